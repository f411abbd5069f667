#pragma once

// TLS for the HTTP client, over any NetStream (a socket, or a tunnel through
// a proxy): mbedTLS, linked statically. It adds 0.7 MB to the agent where
// OpenSSL's libssl would add 4 MB (it pulls in libcrypto's EVP and provider
// layers, which the agent's classic digests leave out). TLS 1.2, the
// version mbedTLS 2.28 completes; records go through the stream's Send and
// Receive, so the TCP side stays behind the network seam.

#include <memory>
#include <string>
#include <vector>

#include "core/error.h"
#include "modules/host/network.h"

namespace tend {

struct TlsOptions {
  /// Ansible's validate_certs: check the chain and the host name.
  bool validate_certs = true;
  /// A PEM file of CA certificates to trust instead of the host's store.
  std::string ca_path;
  /// A PEM client certificate (and its key, unless client_key names one).
  std::string client_cert;
  std::string client_key;
};

/// How the presented chain ends, for naming an untrusted one as OpenSSL does.
enum class ChainEnd { kIssuerMissing, kSelfSignedLeaf, kSelfSignedInChain };

/// Where the host's trusted CAs are looked for: the bundle files of Debian,
/// RHEL and SUSE, and Debian's hashed directory.
const std::vector<std::string>& CaStorePaths();

/// The text Python's ssl module gives for a certificate check that failed,
/// from mbedTLS's verify flags: "[SSL: CERTIFICATE_VERIFY_FAILED] certificate
/// verify failed: self-signed certificate in certificate chain (host:443)",
/// the server named where Python names its source line.
std::string VerifyFailureText(uint32_t flags, ChainEnd chain, const std::string& server_name,
                              int port);

/// Runs a TLS client handshake over `stream` with SNI `server_name`; with
/// validate_certs the certificate must chain to a trusted CA and name the
/// server. Errors read like Python's ssl errors, naming host and port.
Expected<std::unique_ptr<NetStream>> StartTls(std::unique_ptr<NetStream> stream,
                                              const std::string& server_name, int port,
                                              const TlsOptions& options, int timeout_ms);

}  // namespace tend
