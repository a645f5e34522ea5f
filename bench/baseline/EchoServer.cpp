// bench-echo-server: the baseline of P2/P3 (error ingest) and P8 (idle RSS) in PERFORMANCE.md.
// A trivial Poco HTTPServer with the same server parameters as a monlight listener (own pool of 1..32 threads, 128 queued
// connections, keep-alive 15 s / 1000 requests, 30 s socket timeout). Every request body is read completely and
// parsed with Poco::JSON; a POST/PUT answers 201 with a small JSON object, anything else 200.
//
// Usage: bench-echo-server [--port N] [--host ADDR] [--threads N] [--queue N]
//   --port 0 (default) binds an ephemeral port. The bound address is printed on stdout as `listening HOST:PORT`.
//   Stops on SIGTERM or SIGINT.
#include <Poco/Dynamic/Var.h>
#include <Poco/Exception.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/StreamCopier.h>
#include <Poco/ThreadPool.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <pthread.h>
#include <string>

namespace
{

std::atomic<long long> requestCounter{0};

/// Reads and parses the body, then answers with a small JSON object (201 for POST/PUT, 200 otherwise, 400 for
/// a body that is not JSON). Never throws: a Poco handler that throws drops the connection.
class EchoHandler : public Poco::Net::HTTPRequestHandler
{
public:
    void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override
    {
        try
        {
            std::string body;
            Poco::StreamCopier::copyToString(request.stream(), body);
            const bool write = request.getMethod() == "POST" || request.getMethod() == "PUT";
            std::size_t fields = 0;
            if (!body.empty())
            {
                Poco::JSON::Parser parser;
                Poco::Dynamic::Var parsed = parser.parse(body);
                if (parsed.type() == typeid(Poco::JSON::Object::Ptr))
                    fields = parsed.extract<Poco::JSON::Object::Ptr>()->size();
            }
            const long long id = ++requestCounter;
            const std::string out = write
                ? "{\"id\":" + std::to_string(id) + ",\"status\":\"created\",\"fields\":" + std::to_string(fields) + "}"
                : std::string("{\"status\":\"ok\"}");
            send(response, write ? Poco::Net::HTTPResponse::HTTP_CREATED : Poco::Net::HTTPResponse::HTTP_OK, out);
        }
        catch (const Poco::Exception&)
        {
            sendError(response);
        }
        catch (const std::exception&)
        {
            sendError(response);
        }
    }

private:
    static void send(Poco::Net::HTTPServerResponse& response, Poco::Net::HTTPResponse::HTTPStatus status,
                     const std::string& out)
    {
        response.setStatus(status);
        response.setContentType("application/json");
        response.setContentLength(static_cast<std::streamsize>(out.size()));
        response.send() << out;
    }

    static void sendError(Poco::Net::HTTPServerResponse& response)
    {
        if (!response.sent())
            send(response, Poco::Net::HTTPResponse::HTTP_BAD_REQUEST, "{\"detail\":\"Invalid JSON\"}");
    }
};

class EchoHandlerFactory : public Poco::Net::HTTPRequestHandlerFactory
{
public:
    Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override
    {
        return new EchoHandler;
    }
};

int intArg(const char* name, const char* value)
{
    char* end = nullptr;
    const long v = std::strtol(value, &end, 10);
    if (*value == '\0' || *end != '\0' || v < 0 || v > 65535)
    {
        std::cerr << "bench-echo-server: invalid value for " << name << ": " << value << "\n";
        std::exit(64);
    }
    return static_cast<int>(v);
}

} // namespace

int main(int argc, char** argv)
{
    std::string host = "127.0.0.1";
    int port = 0;
    int threads = 32; // a monlight listener's default max_threads
    int queue = 128;
    for (int i = 1; i < argc; ++i)
    {
        const std::string a = argv[i];
        if (i + 1 >= argc)
        {
            std::cerr << "usage: bench-echo-server [--port N] [--host ADDR] [--threads N] [--queue N]\n";
            return 64;
        }
        const char* v = argv[++i];
        if (a == "--port")
            port = intArg("--port", v);
        else if (a == "--host")
            host = v;
        else if (a == "--threads")
            threads = intArg("--threads", v);
        else if (a == "--queue")
            queue = intArg("--queue", v);
        else
        {
            std::cerr << "bench-echo-server: unknown option " << a << "\n";
            return 64;
        }
    }

    // Block the stop signals before any thread exists so that only sigwait() below receives them.
    sigset_t stopSignals;
    sigemptyset(&stopSignals);
    sigaddset(&stopSignals, SIGTERM);
    sigaddset(&stopSignals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stopSignals, nullptr);

    try
    {
        Poco::Net::HTTPServerParams::Ptr params = new Poco::Net::HTTPServerParams;
        params->setMaxThreads(threads);
        params->setMaxQueued(queue);
        params->setKeepAlive(true);
        params->setKeepAliveTimeout(Poco::Timespan(15, 0));
        params->setMaxKeepAliveRequests(1000);
        params->setTimeout(Poco::Timespan(30, 0));
        Poco::Net::ServerSocket socket;
        socket.bind(Poco::Net::SocketAddress(host, static_cast<Poco::UInt16>(port)), true);
        socket.listen(std::max(64, queue));
        // Own pool like a monlight listener: 1..threads workers, idle ones reaped after 60 s.
        Poco::ThreadPool pool(1, threads, 60);
        Poco::Net::HTTPServer server(new EchoHandlerFactory, pool, socket, params);
        server.start();
        std::cout << "listening " << socket.address().toString() << std::endl;
        int signal = 0;
        sigwait(&stopSignals, &signal);
        server.stopAll(true);
        pool.joinAll();
    }
    catch (const Poco::Exception& e)
    {
        std::cerr << "bench-echo-server: " << e.displayText() << "\n";
        return 70;
    }
    return 0;
}
