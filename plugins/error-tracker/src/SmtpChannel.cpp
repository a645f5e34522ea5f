#include "SmtpChannel.h"

#include "Monlight/Time.h"
#include "Monlight/Tls.h"
#include "SmtpMessage.h"
#include <Poco/Base64Encoder.h>
#include <Poco/Exception.h>
#include <Poco/Net/DNS.h>
#include <Poco/Net/DialogSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <sstream>

namespace Monlight
{
namespace ErrorTracker
{

namespace
{

/// A failed SMTP step: `code` is the reply (0 for local errors).
struct SmtpFailure
{
    int code;
    std::string text;
};

std::string firstLine(const std::string& s)
{
    std::string line = s.substr(0, s.find_first_of("\r\n"));
    return line.size() > 200 ? line.substr(0, 200) : line;
}

int command(Poco::Net::DialogSocket& ds, const std::string& cmd, std::string& reply)
{
    ds.sendMessage(cmd);
    return ds.receiveStatusMessage(reply);
}

void expect(Poco::Net::DialogSocket& ds, const std::string& cmd, int okClass, const char* what)
{
    std::string reply;
    int code = command(ds, cmd, reply);
    if (code / 100 != okClass)
        throw SmtpFailure{code, std::string(what) + ": " + std::to_string(code) + " " + firstLine(reply)};
}

bool advertises(const std::string& ehloReply, const std::string& keyword)
{
    std::istringstream in(ehloReply);
    std::string line;
    while (std::getline(in, line))
    {
        if (line.size() >= 4 + keyword.size() && line.compare(4, keyword.size(), keyword) == 0)
            return true;
    }
    return false;
}

} // namespace

std::string SmtpChannel::envelopeAddress(const std::string& from)
{
    std::string addr = from;
    std::size_t open = from.rfind('<');
    std::size_t close = from.rfind('>');
    if (open != std::string::npos && close != std::string::npos && close > open)
        addr = from.substr(open + 1, close - open - 1);
    std::string out;
    for (char c : addr)
    {
        if (static_cast<unsigned char>(c) > 0x20 && c != 0x7F && c != '<' && c != '>')
            out += c;
    }
    return out;
}

SmtpChannel::SmtpChannel(Settings settings) : _s(std::move(settings)) {}

DeliveryResult SmtpChannel::deliver(const AlertMessage& message)
{
    try
    {
        bool implicit = _s.tls == "implicit" || (_s.tls == "auto" && _s.port == 465);
        if (_canceller && _canceller->cancelled())
            throw SmtpFailure{0, "cancelled at shutdown"};
        Poco::Net::StreamSocket plain;
        plain.connect(Poco::Net::SocketAddress(_s.host, static_cast<Poco::UInt16>(_s.port)),
                      Poco::Timespan(10, 0));
        DeliveryCanceller::Guard guard(_canceller.get(), plain);
        plain.setReceiveTimeout(Poco::Timespan(30, 0));
        plain.setSendTimeout(Poco::Timespan(30, 0));
        Poco::Net::StreamSocket sock = plain;
        if (implicit)
            sock = Tls::attachClient(plain, _s.host, _s.verify);
        Poco::Net::DialogSocket ds(sock);
        ds.setReceiveTimeout(Poco::Timespan(30, 0));
        ds.setSendTimeout(Poco::Timespan(30, 0));

        std::string reply;
        int code = ds.receiveStatusMessage(reply);
        if (code / 100 != 2)
            throw SmtpFailure{code, "greeting: " + std::to_string(code) + " " + firstLine(reply)};
        std::string hostname = "localhost";
        try
        {
            hostname = Poco::Net::DNS::hostName();
        }
        catch (const Poco::Exception&)
        {
        }
        code = command(ds, "EHLO " + hostname, reply);
        if (code / 100 != 2)
            throw SmtpFailure{code, "EHLO: " + std::to_string(code) + " " + firstLine(reply)};

        bool wantStartTls =
            !implicit && (_s.tls == "starttls" || (_s.tls == "auto" && advertises(reply, "STARTTLS")));
        if (_s.tls == "starttls" && !advertises(reply, "STARTTLS"))
            throw SmtpFailure{554, "STARTTLS not offered by server"};
        if (wantStartTls)
        {
            expect(ds, "STARTTLS", 2, "STARTTLS");
            ds = Poco::Net::DialogSocket(Tls::attachClient(ds, _s.host, _s.verify));
            code = command(ds, "EHLO " + hostname, reply);
            if (code / 100 != 2)
                throw SmtpFailure{code, "EHLO: " + std::to_string(code) + " " + firstLine(reply)};
        }
        if (!_s.username.empty() && !_s.password.empty())
        {
            std::ostringstream os;
            Poco::Base64Encoder enc(os);
            enc.rdbuf()->setLineLength(0);
            enc << '\0' << _s.username << '\0' << _s.password;
            enc.close();
            expect(ds, "AUTH PLAIN " + os.str(), 2, "AUTH");
        }
        expect(ds, "MAIL FROM:<" + envelopeAddress(_s.from) + ">", 2, "MAIL FROM");
        std::vector<std::string> accepted;
        std::string lastRejection;
        int lastCode = 0;
        for (const auto& rcpt : _s.to)
        {
            int rc = command(ds, "RCPT TO:<" + rcpt + ">", reply);
            if (rc / 100 == 2)
                accepted.push_back(rcpt);
            else
            {
                lastCode = rc;
                lastRejection = "RCPT TO: " + std::to_string(rc) + " " + firstLine(reply);
            }
        }
        if (accepted.empty())
            throw SmtpFailure{lastCode, lastRejection.empty() ? "no recipients" : lastRejection};
        expect(ds, "DATA", 3, "DATA");
        ds.sendString(SmtpMessage::build(message, _s.from, accepted, Time::nowMs()));
        code = ds.receiveStatusMessage(reply);
        if (code / 100 != 2)
            throw SmtpFailure{code, "DATA: " + std::to_string(code) + " " + firstLine(reply)};
        try
        {
            command(ds, "QUIT", reply);
        }
        catch (const Poco::Exception&)
        {
        }
        return DeliveryResult{true, false, "sent"};
    }
    catch (const SmtpFailure& f)
    {
        // 4xx replies and local/connection problems are transient; 5xx replies are permanent.
        return DeliveryResult{false, f.code == 0 || f.code / 100 == 4, f.text};
    }
    catch (const Poco::Exception& e)
    {
        return DeliveryResult{false, true, e.displayText()};
    }
}

} // namespace ErrorTracker
} // namespace Monlight
