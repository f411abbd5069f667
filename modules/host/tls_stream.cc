#include "modules/host/tls_stream.h"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <fmt/format.h>

#include <cctype>

namespace tend {
namespace {

struct SslCtxFree {
  void operator()(SSL_CTX* ctx) const { SSL_CTX_free(ctx); }
};
struct SslFree {
  void operator()(SSL* ssl) const { SSL_free(ssl); }
};

bool IsIpAddress(const std::string& name) {
  unsigned char buffer[16];
  return ::inet_pton(AF_INET, name.c_str(), buffer) == 1 ||
         ::inet_pton(AF_INET6, name.c_str(), buffer) == 1;
}

// "[SSL: WRONG_VERSION_NUMBER] wrong version number" as Python words
// OpenSSL's error queue; the library's reason text, its code name derived.
std::string OpenSslErrorText() {
  unsigned long code = ERR_get_error();
  ERR_clear_error();
  const char* reason = code ? ERR_reason_error_string(code) : nullptr;
  if (!reason) return "[SSL] the TLS handshake failed";
  std::string name;
  for (const char* p = reason; *p; ++p) {
    name += *p == ' ' || *p == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(*p)));
  }
  return fmt::format("[SSL: {}] {}", name, reason);
}

bool IsDirectory(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode);
}

bool IsFile(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode);
}

// The first bundle file found, and the hashed directory (looked up lazily
// by OpenSSL, so a run that fetches one URL does not parse 140 certificates
// twice).
Expected<void> LoadTrustStore(SSL_CTX* ctx, const TlsOptions& options) {
  if (!options.ca_path.empty()) {
    if (SSL_CTX_load_verify_locations(ctx, options.ca_path.c_str(), nullptr) != 1) {
      return Fail(fmt::format("could not load CA certificates from ca_path '{}': {}",
                              options.ca_path, OpenSslErrorText()));
    }
    return {};
  }
  bool have_bundle = false;
  for (const auto& path : CaStorePaths()) {
    if (!have_bundle && IsFile(path) && SSL_CTX_load_verify_file(ctx, path.c_str()) == 1) {
      have_bundle = true;
    } else if (IsDirectory(path)) {
      SSL_CTX_load_verify_dir(ctx, path.c_str());
    }
  }
  ERR_clear_error();
  return {};
}

Expected<void> LoadClientCertificate(SSL_CTX* ctx, const TlsOptions& options) {
  if (options.client_cert.empty()) return {};
  const std::string& key = options.client_key.empty() ? options.client_cert : options.client_key;
  if (SSL_CTX_use_certificate_chain_file(ctx, options.client_cert.c_str()) != 1) {
    return Fail(fmt::format("could not load client_cert '{}': {}", options.client_cert,
                            OpenSslErrorText()));
  }
  if (SSL_CTX_use_PrivateKey_file(ctx, key.c_str(), SSL_FILETYPE_PEM) != 1) {
    return Fail(fmt::format("could not load client_key '{}': {}", key, OpenSslErrorText()));
  }
  return {};
}

Expected<std::unique_ptr<SSL_CTX, SslCtxFree>> MakeContext(const TlsOptions& options) {
  // The target's openssl.cnf belongs to its own OpenSSL (another version,
  // maybe engines to dlopen): a static agent must not read it.
  OPENSSL_init_ssl(OPENSSL_INIT_NO_LOAD_CONFIG, nullptr);
  std::unique_ptr<SSL_CTX, SslCtxFree> ctx(SSL_CTX_new(TLS_client_method()));
  if (!ctx) return Fail("could not create a TLS context: " + OpenSslErrorText());
  // As Python's default context: TLS 1.2 at least; connections end without
  // close_notify often enough that a missing one is an end of stream (the
  // HTTP parser still catches a body cut short of its length).
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  SSL_CTX_set_options(ctx.get(), SSL_OP_IGNORE_UNEXPECTED_EOF);
  if (!options.ciphers.empty() && SSL_CTX_set_cipher_list(ctx.get(), options.ciphers.c_str()) != 1) {
    return Fail(fmt::format("no usable cipher in ciphers '{}': {}", options.ciphers, OpenSslErrorText()));
  }
  SSL_CTX_set_verify(ctx.get(), options.validate_certs ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, nullptr);
  if (options.validate_certs) {
    if (auto loaded = LoadTrustStore(ctx.get(), options); !loaded) return std::unexpected(loaded.error());
  }
  if (auto loaded = LoadClientCertificate(ctx.get(), options); !loaded)
    return std::unexpected(loaded.error());
  return ctx;
}

class TlsStream final : public NetStream {
 public:
  TlsStream(std::unique_ptr<NetStream> raw, std::unique_ptr<SSL_CTX, SslCtxFree> ctx,
            std::unique_ptr<SSL, SslFree> ssl, BIO* in, BIO* out)
      : raw_(std::move(raw)), ctx_(std::move(ctx)), ssl_(std::move(ssl)), in_(in), out_(out) {}

  Expected<void> Handshake(int timeout_ms) {
    while (true) {
      int rc = SSL_do_handshake(ssl_.get());
      if (auto flushed = Flush(); !flushed) return flushed;
      if (rc == 1) return {};
      if (SSL_get_error(ssl_.get(), rc) != SSL_ERROR_WANT_READ) return Fail("handshake");
      auto filled = Fill(timeout_ms);
      if (!filled) return std::unexpected(filled.error());
      if (!*filled) return Fail("EOF occurred in violation of protocol");
    }
  }

  Expected<void> Send(std::string_view data) override {
    while (!data.empty()) {
      int n = SSL_write(ssl_.get(), data.data(), static_cast<int>(data.size()));
      if (n <= 0) return Fail(fmt::format("TLS write failed: {}", OpenSslErrorText()));
      data.remove_prefix(static_cast<size_t>(n));
      if (auto flushed = Flush(); !flushed) return flushed;
    }
    return {};
  }

  // Records that carry no application data (TLS 1.3 session tickets) are
  // consumed here until data or the end of the stream arrives.
  Expected<size_t> Receive(std::string& out, int timeout_ms) override {
    char buffer[16384];
    while (true) {
      int n = SSL_read(ssl_.get(), buffer, sizeof buffer);
      if (n > 0) {
        out.append(buffer, static_cast<size_t>(n));
        return static_cast<size_t>(n);
      }
      int error = SSL_get_error(ssl_.get(), n);
      if (error == SSL_ERROR_ZERO_RETURN) return size_t{0};
      if (error != SSL_ERROR_WANT_READ) return Fail(fmt::format("TLS read failed: {}", OpenSslErrorText()));
      if (auto flushed = Flush(); !flushed) return std::unexpected(flushed.error());
      auto filled = Fill(timeout_ms);
      if (!filled) return std::unexpected(filled.error());
      if (!*filled) BIO_set_mem_eof_return(in_, 0);  // SSL_read now sees the end
    }
  }

 private:
  // Sends what OpenSSL wrote into the outgoing buffer.
  Expected<void> Flush() {
    char buffer[16384];
    while (BIO_ctrl_pending(out_) > 0) {
      int n = BIO_read(out_, buffer, sizeof buffer);
      if (n <= 0) break;
      if (auto sent = raw_->Send(std::string_view(buffer, static_cast<size_t>(n))); !sent) return sent;
    }
    return {};
  }

  // Moves what the peer sent into OpenSSL's incoming buffer; false at end of stream.
  Expected<bool> Fill(int timeout_ms) {
    std::string data;
    auto got = raw_->Receive(data, timeout_ms);
    if (!got) return std::unexpected(got.error());
    if (*got == 0) return false;
    BIO_write(in_, data.data(), static_cast<int>(data.size()));
    return true;
  }

  std::unique_ptr<NetStream> raw_;
  std::unique_ptr<SSL_CTX, SslCtxFree> ctx_;
  std::unique_ptr<SSL, SslFree> ssl_;
  BIO* in_;   // owned by ssl_
  BIO* out_;  // owned by ssl_
};

}  // namespace

const std::vector<std::string>& CaStorePaths() {
  static const std::vector<std::string> paths{
      "/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt",
      "/etc/ssl/ca-bundle.pem", "/etc/ssl/cert.pem", "/etc/ssl/certs"};
  return paths;
}

std::string VerifyFailureText(long verify_result, const std::string& server_name, int port) {
  std::string reason;
  // Python words a name mismatch itself, naming the name it checked.
  if (verify_result == X509_V_ERR_HOSTNAME_MISMATCH) {
    reason = fmt::format("Hostname mismatch, certificate is not valid for '{}'.", server_name);
  } else if (verify_result == X509_V_ERR_IP_ADDRESS_MISMATCH) {
    reason = fmt::format("IP address mismatch, certificate is not valid for '{}'.", server_name);
  } else {
    reason = X509_verify_cert_error_string(verify_result);
  }
  return fmt::format("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: {} ({}:{})",
                     reason, server_name, port);
}

Expected<std::unique_ptr<NetStream>> StartTls(std::unique_ptr<NetStream> stream,
                                              const std::string& server_name, int port,
                                              const TlsOptions& options, int timeout_ms) {
  auto ctx = MakeContext(options);
  if (!ctx) return std::unexpected(ctx.error());
  std::unique_ptr<SSL, SslFree> ssl(SSL_new(ctx->get()));
  if (!ssl) return Fail("could not start TLS: " + OpenSslErrorText());
  BIO* in = BIO_new(BIO_s_mem());
  BIO* out = BIO_new(BIO_s_mem());
  SSL_set_bio(ssl.get(), in, out);
  SSL_set_connect_state(ssl.get());
  bool is_ip = IsIpAddress(server_name);
  // SNI carries names only (RFC 6066); an address is checked against the
  // certificate's IP entries instead.
  if (!is_ip) SSL_set_tlsext_host_name(ssl.get(), server_name.c_str());
  if (options.validate_certs) {
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl.get());
    if (is_ip) {
      X509_VERIFY_PARAM_set1_ip_asc(param, server_name.c_str());
    } else {
      X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
      X509_VERIFY_PARAM_set1_host(param, server_name.c_str(), 0);
    }
  }
  SSL* raw_ssl = ssl.get();
  auto tls = std::make_unique<TlsStream>(std::move(stream), std::move(*ctx), std::move(ssl), in, out);
  if (auto done = tls->Handshake(timeout_ms); !done) {
    long verified = SSL_get_verify_result(raw_ssl);
    if (options.validate_certs && verified != X509_V_OK) {
      ERR_clear_error();
      return Fail(VerifyFailureText(verified, server_name, port));
    }
    std::string text = done.error().message == "handshake" ? OpenSslErrorText() : done.error().message;
    return Fail(fmt::format("{} ({}:{})", text, server_name, port));
  }
  return std::unique_ptr<NetStream>(std::move(tls));
}

}  // namespace tend
