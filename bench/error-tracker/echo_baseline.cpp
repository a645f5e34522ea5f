// P2/P3 baseline: a trivial Poco HTTPServer that reads the body, parses it with Poco::JSON and answers a
// small JSON object. Same server parameters as a monlight listener (8 threads, 128 queued, keep-alive).
// Usage: echo_baseline PORT
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/StreamCopier.h>
#include <csignal>
#include <iostream>
#include <string>
#include <unistd.h>

namespace
{

class EchoHandler : public Poco::Net::HTTPRequestHandler
{
public:
    void handleRequest(Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& res) override
    {
        std::string body;
        Poco::StreamCopier::copyToString(req.stream(), body);
        Poco::JSON::Parser parser;
        Poco::Dynamic::Var v = parser.parse(body);
        Poco::JSON::Object::Ptr obj = v.extract<Poco::JSON::Object::Ptr>();
        std::string project = obj->optValue<std::string>("project", "");
        std::string out = "{\"status\":\"created\",\"project\":\"" + project + "\"}";
        res.setStatus(Poco::Net::HTTPResponse::HTTP_CREATED);
        res.setContentType("application/json");
        res.setContentLength(static_cast<std::streamsize>(out.size()));
        res.send() << out;
    }
};

class Factory : public Poco::Net::HTTPRequestHandlerFactory
{
public:
    Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override
    {
        return new EchoHandler;
    }
};

} // namespace

int main(int argc, char** argv)
{
    if (argc < 2)
    {
        std::cerr << "usage: echo_baseline PORT\n";
        return 64;
    }
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    auto* params = new Poco::Net::HTTPServerParams;
    params->setMaxThreads(8);
    params->setMaxQueued(128);
    params->setKeepAlive(true);
    params->setMaxKeepAliveRequests(1000);
    params->setKeepAliveTimeout(Poco::Timespan(15, 0));
    params->setTimeout(Poco::Timespan(30, 0));
    Poco::Net::ServerSocket socket(
        Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(std::stoi(argv[1]))));
    Poco::Net::HTTPServer server(new Factory, socket, params);
    server.start();
    int sig = 0;
    sigwait(&set, &sig);
    server.stop();
    return 0;
}
