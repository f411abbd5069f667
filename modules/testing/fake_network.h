#pragma once

// A scripted network and HTTP replies for the wait_for, uri, get_url and HTTP
// client tests (tests only).

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <deque>

#include "modules/host/http_client.h"
#include "modules/host/network.h"
#include "modules/parsers/netpg_parsers.h"
#include "modules/postgres/postgresql_user.h"
#include "modules/testing/test_support.h"

namespace tend::fake_network_test {

// A scripted network: each listening "address:port" answers requests with a
// function of the request bytes; everything else refuses. Sleeping advances
// the fake host's clock, so timeouts run instantly.
class FakeNetwork : public Network {
 public:
  using Handler = std::function<std::string(const std::string& request)>;
  explicit FakeNetwork(FakeHost& host) : host_(host) {}

  void Listen(const std::string& endpoint, Handler handler) { handlers_[endpoint] = std::move(handler); }
  void Close(const std::string& endpoint) { handlers_.erase(endpoint); }
  const std::vector<std::string>& requests() const { return requests_; }
  int connects = 0;

  Expected<std::unique_ptr<NetStream>> Connect(const std::string& address, int port, int) override {
    ++connects;
    auto it = handlers_.find(fmt::format("{}:{}", address, port));
    if (it == handlers_.end()) return Fail("Connection refused");
    return std::make_unique<Stream>(*this, it->second);
  }
  void SleepMicros(int64_t micros) override { host_.SetNow(host_.NowMicros() + micros); }

 private:
  class Stream : public NetStream {
   public:
    Stream(FakeNetwork& net, Handler handler) : net_(net), handler_(std::move(handler)) {}
    Expected<void> Send(std::string_view data) override {
      sent_.append(data);
      return {};
    }
    // Answers in 7-byte pieces so parsers see split headers and chunks.
    Expected<size_t> Receive(std::string& out, int) override {
      if (!answered_) {
        net_.requests_.push_back(sent_);
        pending_ = handler_(sent_);
        answered_ = true;
      }
      size_t n = std::min<size_t>(7, pending_.size());
      out.append(pending_.substr(0, n));
      pending_.erase(0, n);
      return n;
    }

   private:
    FakeNetwork& net_;
    Handler handler_;
    std::string sent_, pending_;
    bool answered_ = false;
  };

  FakeHost& host_;
  std::map<std::string, Handler> handlers_;
  std::vector<std::string> requests_;
};

inline std::string Reply(int status, const std::string& reason, const std::string& body,
                  const std::string& type = "text/plain") {
  return fmt::format("HTTP/1.0 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\n\r\n{}", status,
                     reason, type, body.size(), body);
}

/// Serves `files` ("/path" -> body) on `endpoint`: a GET of a listed path is
/// 200 with its body, anything else 404.
inline void ServeFiles(FakeNetwork& net, const std::string& endpoint,
                       std::map<std::string, std::string> files) {
  net.Listen(endpoint, [files = std::move(files)](const std::string& request) {
    size_t start = request.find(' ') + 1;
    auto it = files.find(request.substr(start, request.find(' ', start) - start));
    if (!request.starts_with("GET ") || it == files.end()) return Reply(404, "Not Found", "");
    return Reply(200, "OK", it->second);
  });
}

inline FakeHost NetHost() {
  FakeHost host = MakeHost();
  host.AddFile("/etc/hosts", "127.0.0.1\tlocalhost\n# comment\n10.0.0.5 db.internal db  # trailing\n::1 localhost ip6-localhost\n");
  host.AddDirectory("/opt", 0755);
  host.ClearRecords();
  return host;
}

}  // namespace tend::fake_network_test
