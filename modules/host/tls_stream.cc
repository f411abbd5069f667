#include "modules/host/tls_stream.h"

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>
#include <sys/stat.h>

#include <fmt/format.h>

#include <cstring>

namespace tend {
namespace {

std::string MbedError(int code) {
  char text[200];
  mbedtls_strerror(code, text, sizeof text);
  return text;
}

bool Exists(const std::string& path, bool directory) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return false;
  return directory ? S_ISDIR(info.st_mode) : S_ISREG(info.st_mode);
}

// Everything one connection's TLS needs, freed together. mbedTLS keeps
// pointers between these, so the object never moves once set up.
struct TlsState {
  mbedtls_entropy_context entropy;
  mbedtls_ctr_drbg_context drbg;
  mbedtls_x509_crt trusted;
  mbedtls_x509_crt own_cert;
  mbedtls_pk_context own_key;
  mbedtls_ssl_config config;
  mbedtls_ssl_context ssl;

  TlsState() {
    mbedtls_entropy_init(&entropy);
    mbedtls_ctr_drbg_init(&drbg);
    mbedtls_x509_crt_init(&trusted);
    mbedtls_x509_crt_init(&own_cert);
    mbedtls_pk_init(&own_key);
    mbedtls_ssl_config_init(&config);
    mbedtls_ssl_init(&ssl);
  }
  ~TlsState() {
    mbedtls_ssl_free(&ssl);
    mbedtls_ssl_config_free(&config);
    mbedtls_pk_free(&own_key);
    mbedtls_x509_crt_free(&own_cert);
    mbedtls_x509_crt_free(&trusted);
    mbedtls_ctr_drbg_free(&drbg);
    mbedtls_entropy_free(&entropy);
  }
  TlsState(const TlsState&) = delete;
  TlsState& operator=(const TlsState&) = delete;
};

// The host's store: the first bundle file found (Debian's holds every CA
// update-ca-certificates knows), else every file of the hashed directory.
Expected<void> LoadTrustStore(TlsState& tls, const TlsOptions& options) {
  if (!options.ca_path.empty()) {
    int rc = mbedtls_x509_crt_parse_file(&tls.trusted, options.ca_path.c_str());
    if (rc < 0) {
      return Fail(fmt::format("could not load CA certificates from ca_path '{}': {}", options.ca_path,
                              MbedError(rc)));
    }
    return {};
  }
  for (const auto& path : CaStorePaths()) {
    // A bundle with a certificate mbedTLS cannot read still loads the rest
    // (a positive count of failures).
    if (Exists(path, false) && mbedtls_x509_crt_parse_file(&tls.trusted, path.c_str()) >= 0) return {};
  }
  if (Exists("/etc/ssl/certs", true)) (void)mbedtls_x509_crt_parse_path(&tls.trusted, "/etc/ssl/certs");
  return {};  // nothing trusted: every server fails verification, saying so
}

Expected<void> LoadClientCertificate(TlsState& tls, const TlsOptions& options) {
  if (options.client_cert.empty()) return {};
  const std::string& key = options.client_key.empty() ? options.client_cert : options.client_key;
  if (int rc = mbedtls_x509_crt_parse_file(&tls.own_cert, options.client_cert.c_str()); rc != 0) {
    return Fail(fmt::format("could not load client_cert '{}': {}", options.client_cert, MbedError(rc)));
  }
  if (int rc = mbedtls_pk_parse_keyfile(&tls.own_key, key.c_str(), nullptr); rc != 0) {
    return Fail(fmt::format("could not load client_key '{}': {}", key, MbedError(rc)));
  }
  if (int rc = mbedtls_ssl_conf_own_cert(&tls.config, &tls.own_cert, &tls.own_key); rc != 0) {
    return Fail(fmt::format("could not use client_cert '{}': {}", options.client_cert, MbedError(rc)));
  }
  return {};
}

Expected<void> Configure(TlsState& tls, const std::string& server_name, const TlsOptions& options) {
  static constexpr char kPersonalization[] = "tend-agent";
  if (int rc = mbedtls_ctr_drbg_seed(&tls.drbg, mbedtls_entropy_func, &tls.entropy,
                                     reinterpret_cast<const unsigned char*>(kPersonalization),
                                     sizeof kPersonalization - 1);
      rc != 0) {
    return Fail("could not seed the TLS random generator: " + MbedError(rc));
  }
  if (int rc = mbedtls_ssl_config_defaults(&tls.config, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
                                           MBEDTLS_SSL_PRESET_DEFAULT);
      rc != 0) {
    return Fail("could not configure TLS: " + MbedError(rc));
  }
  // As Python's default context: TLS 1.2 at least.
  mbedtls_ssl_conf_min_version(&tls.config, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
  mbedtls_ssl_conf_rng(&tls.config, mbedtls_ctr_drbg_random, &tls.drbg);
  mbedtls_ssl_conf_authmode(&tls.config, options.validate_certs ? MBEDTLS_SSL_VERIFY_REQUIRED
                                                                 : MBEDTLS_SSL_VERIFY_NONE);
  if (options.validate_certs) {
    if (auto loaded = LoadTrustStore(tls, options); !loaded) return loaded;
    mbedtls_ssl_conf_ca_chain(&tls.config, &tls.trusted, nullptr);
  }
  if (auto loaded = LoadClientCertificate(tls, options); !loaded) return loaded;
  if (int rc = mbedtls_ssl_setup(&tls.ssl, &tls.config); rc != 0) {
    return Fail("could not start TLS: " + MbedError(rc));
  }
  // The name goes out as SNI and is what the certificate must name.
  if (int rc = mbedtls_ssl_set_hostname(&tls.ssl, server_name.c_str()); rc != 0) {
    return Fail("could not set the TLS server name: " + MbedError(rc));
  }
  return {};
}

bool SelfSigned(const mbedtls_x509_crt& cert) {
  return cert.issuer_raw.len == cert.subject_raw.len &&
         std::memcmp(cert.issuer_raw.p, cert.subject_raw.p, cert.issuer_raw.len) == 0;
}

// The top of the chain the server presented, as mbedTLS walks it while
// verifying (the session keeps no peer chain when the handshake fails).
struct ChainSeen {
  int top_depth = -1;
  bool top_self_signed = false;

  ChainEnd End() const {
    if (top_depth <= 0) return top_self_signed ? ChainEnd::kSelfSignedLeaf : ChainEnd::kIssuerMissing;
    return top_self_signed ? ChainEnd::kSelfSignedInChain : ChainEnd::kIssuerMissing;
  }
};

int NoteChain(void* seen_ptr, mbedtls_x509_crt* cert, int depth, uint32_t*) {
  auto* seen = static_cast<ChainSeen*>(seen_ptr);
  if (depth >= seen->top_depth) {
    seen->top_depth = depth;
    seen->top_self_signed = SelfSigned(*cert);
  }
  return 0;
}

class TlsStream final : public NetStream {
 public:
  TlsStream(std::unique_ptr<NetStream> raw, int timeout_ms)
      : raw_(std::move(raw)), timeout_ms_(timeout_ms), tls_(std::make_unique<TlsState>()) {}

  TlsState& state() { return *tls_; }
  const ChainSeen& chain() const { return chain_; }
  void WatchChain() { mbedtls_ssl_conf_verify(&tls_->config, NoteChain, &chain_); }
  const std::string& transport_error() const { return transport_error_; }

  void Attach() { mbedtls_ssl_set_bio(&tls_->ssl, this, &TlsStream::SendRecord, &TlsStream::ReceiveRecord, nullptr); }

  int Handshake() {
    int rc = 0;
    while ((rc = mbedtls_ssl_handshake(&tls_->ssl)) == MBEDTLS_ERR_SSL_WANT_READ ||
           rc == MBEDTLS_ERR_SSL_WANT_WRITE) {
    }
    return rc;
  }

  Expected<void> Send(std::string_view data) override {
    while (!data.empty()) {
      int n = mbedtls_ssl_write(&tls_->ssl, reinterpret_cast<const unsigned char*>(data.data()), data.size());
      if (n == MBEDTLS_ERR_SSL_WANT_WRITE || n == MBEDTLS_ERR_SSL_WANT_READ) continue;
      if (n < 0) return Fail(fmt::format("TLS write failed: {}", Why(n)));
      data.remove_prefix(static_cast<size_t>(n));
    }
    return {};
  }

  Expected<size_t> Receive(std::string& out, int timeout_ms) override {
    timeout_ms_ = timeout_ms;
    unsigned char buffer[16384];
    while (true) {
      int n = mbedtls_ssl_read(&tls_->ssl, buffer, sizeof buffer);
      if (n > 0) {
        out.append(reinterpret_cast<const char*>(buffer), static_cast<size_t>(n));
        return static_cast<size_t>(n);
      }
      // Servers close after Connection: close with or without close_notify;
      // the HTTP parser catches a body cut short of its length.
      if (n == 0 || n == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY || n == MBEDTLS_ERR_SSL_CONN_EOF) return size_t{0};
      if (n == MBEDTLS_ERR_SSL_WANT_READ || n == MBEDTLS_ERR_SSL_WANT_WRITE) continue;
      return Fail(fmt::format("TLS read failed: {}", Why(n)));
    }
  }

  // The transport's own error when it caused `code`, else mbedTLS's text.
  std::string Why(int code) const { return transport_error_.empty() ? MbedError(code) : transport_error_; }

 private:
  static int SendRecord(void* self, const unsigned char* data, size_t size) {
    auto* stream = static_cast<TlsStream*>(self);
    auto sent = stream->raw_->Send(std::string_view(reinterpret_cast<const char*>(data), size));
    if (!sent) {
      stream->transport_error_ = sent.error().message;
      return MBEDTLS_ERR_SSL_INTERNAL_ERROR;
    }
    return static_cast<int>(size);
  }

  // Hands mbedTLS what the stream delivered, keeping the rest for next time.
  static int ReceiveRecord(void* self, unsigned char* data, size_t size) {
    auto* stream = static_cast<TlsStream*>(self);
    if (stream->pending_.empty()) {
      auto got = stream->raw_->Receive(stream->pending_, stream->timeout_ms_);
      if (!got) {
        stream->transport_error_ = got.error().message;
        return MBEDTLS_ERR_SSL_INTERNAL_ERROR;
      }
      if (*got == 0) return 0;  // end of stream
    }
    size_t n = std::min(size, stream->pending_.size());
    std::memcpy(data, stream->pending_.data(), n);
    stream->pending_.erase(0, n);
    return static_cast<int>(n);
  }

  std::unique_ptr<NetStream> raw_;
  int timeout_ms_;
  std::unique_ptr<TlsState> tls_;
  std::string pending_;
  std::string transport_error_;
  ChainSeen chain_;
};

}  // namespace

const std::vector<std::string>& CaStorePaths() {
  static const std::vector<std::string> paths{"/etc/ssl/certs/ca-certificates.crt",
                                              "/etc/pki/tls/certs/ca-bundle.crt",
                                              "/etc/ssl/ca-bundle.pem", "/etc/ssl/cert.pem"};
  return paths;
}

std::string VerifyFailureText(uint32_t flags, ChainEnd chain, const std::string& server_name, int port) {
  std::string reason;
  // OpenSSL reports the chain before the name, and Python words a name
  // mismatch itself.
  if (flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED) {
    reason = chain == ChainEnd::kSelfSignedLeaf      ? "self-signed certificate"
             : chain == ChainEnd::kSelfSignedInChain ? "self-signed certificate in certificate chain"
                                                     : "unable to get local issuer certificate";
  } else if (flags & MBEDTLS_X509_BADCERT_EXPIRED) {
    reason = "certificate has expired";
  } else if (flags & MBEDTLS_X509_BADCERT_FUTURE) {
    reason = "certificate is not yet valid";
  } else if (flags & MBEDTLS_X509_BADCERT_REVOKED) {
    reason = "certificate revoked";
  } else if (flags & MBEDTLS_X509_BADCERT_CN_MISMATCH) {
    reason = fmt::format("Hostname mismatch, certificate is not valid for '{}'.", server_name);
  } else {
    char info[512];
    int n = mbedtls_x509_crt_verify_info(info, sizeof info, "", flags);
    reason = n > 0 ? std::string(info, static_cast<size_t>(n)) : "certificate rejected";
    while (!reason.empty() && reason.back() == '\n') reason.pop_back();
  }
  return fmt::format("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: {} ({}:{})", reason,
                     server_name, port);
}

Expected<std::unique_ptr<NetStream>> StartTls(std::unique_ptr<NetStream> stream,
                                              const std::string& server_name, int port,
                                              const TlsOptions& options, int timeout_ms) {
  auto tls = std::make_unique<TlsStream>(std::move(stream), timeout_ms);
  if (auto configured = Configure(tls->state(), server_name, options); !configured) {
    return std::unexpected(configured.error());
  }
  tls->WatchChain();
  tls->Attach();
  int rc = tls->Handshake();
  if (rc == 0) return std::unique_ptr<NetStream>(std::move(tls));
  uint32_t flags = mbedtls_ssl_get_verify_result(&tls->state().ssl);
  if (rc == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED && options.validate_certs && flags != 0) {
    return Fail(VerifyFailureText(flags, tls->chain().End(), server_name, port));
  }
  if (rc == MBEDTLS_ERR_SSL_CONN_EOF) return Fail(fmt::format("EOF occurred in violation of protocol ({}:{})", server_name, port));
  return Fail(fmt::format("[SSL] {} ({}:{})", tls->Why(rc), server_name, port));
}

}  // namespace tend
