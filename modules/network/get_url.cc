#include <fmt/format.h>

#include "modules/framework/all.h"
#include "modules/files/file_common.h"
#include "modules/network/http_common.h"
#include "modules/parsers/netpg_parsers.h"
#include "modules/framework/text.h"

namespace tend {
namespace {

struct Checksum {
  HashAlgorithm algorithm = HashAlgorithm::kSha256;
  std::string name;
  std::string digest;  // lower case hex
};

// The digest for `file_name` in a checksums file ("<hex>  name" or "<hex> *name").
std::optional<std::string> DigestFromList(std::string_view list, const std::string& file_name) {
  Json lines = SplitLines(list);
  for (const auto& line : lines) {
    std::string l = line.get<std::string>();
    size_t space = l.find_first_of(" \t");
    if (space == std::string::npos) {
      if (lines.size() == 1 && !l.empty()) return l;
      continue;
    }
    std::string name = l.substr(l.find_first_not_of(" \t*", space));
    if (name.starts_with("./")) name = name.substr(2);
    if (name == file_name) return l.substr(0, space);
  }
  return std::nullopt;
}

// "sha256:<hex>" or "sha256:http://host/SHA256SUMS" (fetched, then looked up by file name).
Expected<std::optional<Checksum>> ParseChecksum(ModuleContext& context, const Url& url) {
  std::string text = context.Str("checksum");
  if (text.empty()) return std::nullopt;
  size_t colon = text.find(':');
  if (colon == std::string::npos)
    return Fail("The checksum parameter has to be in format <algorithm>:<checksum>");
  Checksum sum{.algorithm = HashAlgorithm::kSha256, .name = text.substr(0, colon), .digest = text.substr(colon + 1)};
  auto algorithm = HashAlgorithmByName(sum.name);
  if (!algorithm) return Fail(fmt::format("Unsupported hash algorithm '{}' in checksum", sum.name));
  sum.algorithm = *algorithm;
  if (sum.digest.find("://") != std::string::npos) {
    HttpRequest request;
    auto list_url = ParseUrl(sum.digest);
    if (!list_url) return std::unexpected(list_url.error());
    request.url = *list_url;
    auto network = context.Net();
    if (!network) return std::unexpected(network.error());
    FetchOptions options = OptionsFromArgs(context, 10);
    options.follow_redirects = "urllib2";
    auto fetched = Fetch(context.Machine(), **network, request, options);
    if (!fetched) return std::unexpected(fetched.error());
    std::string file_name = UrlFileName(url);
    auto digest = DigestFromList(fetched->response.body, file_name);
    if (!digest) return Fail(fmt::format("Unable to find a checksum for file '{}' in '{}'", file_name, sum.digest));
    sum.digest = *digest;
  }
  for (char& c : sum.digest) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return sum;
}

// As Ansible: an attachment's Content-Disposition filename, else the last
// path segment of the URL the file came from (after redirects).
std::string DownloadName(const FetchResult& fetched) {
  // Ansible's pattern: ^attachment; ?filename="?([^"]+)
  if (auto disposition = fetched.response.Header("Content-Disposition");
      disposition && disposition->starts_with("attachment;")) {
    std::string_view rest = std::string_view(*disposition).substr(11);
    if (rest.starts_with(' ')) rest.remove_prefix(1);
    if (rest.starts_with("filename=")) {
      rest.remove_prefix(9);
      if (rest.starts_with('"')) rest.remove_prefix(1);
      std::string name = BaseName(std::string(rest.substr(0, rest.find('"'))));
      if (!name.empty()) return name;
    }
  }
  auto url = ParseUrl(fetched.url);
  std::string name = url ? UrlFileName(*url) : "";
  return name.empty() ? "index.html" : name;
}

struct Download {
  std::string tmp_path;
  FetchResult fetch;
};

// Streams the body into a temporary file in `dir`; the file is there only
// when the response was 200 OK.
Expected<Download> DownloadToTemp(ModuleContext& context, const HttpRequest& request,
                                  const std::string& dir) {
  Download download;
  download.tmp_path = JoinPath(dir, fmt::format(".tend-get_url-{}.tmp", context.Machine().NowMicros()));
  // get_url has no follow_redirects argument: Ansible follows as urllib does.
  FetchOptions options = OptionsFromArgs(context, 10);
  options.follow_redirects = "urllib2";
  auto fetched = DownloadToFile(context, request, options, download.tmp_path);
  if (!fetched) return std::unexpected(fetched.error());
  download.fetch = std::move(*fetched);
  return download;
}

Json FailedRequest(ModuleContext& context, const Download& download, int64_t elapsed) {
  const HttpResponse& response = download.fetch.response;
  return FailedResult("Request failed", Json{{"status_code", response.status},
                                             {"response", StatusMessage(response)},
                                             {"url", context.Str("url")},
                                             {"dest", context.Str("dest")},
                                             {"elapsed", elapsed}});
}

}  // namespace

const ModuleSpec& GetUrlSpec() {
  static const ModuleSpec spec = [] {
    ModuleSpec s{
        .name = "get_url",
        .short_description = "Downloads files from HTTP to the remote server",
        .args = {{.name = "url", .type = ArgType::kStr, .required = true},
                 {.name = "dest", .type = ArgType::kPath, .required = true},
                 {.name = "tmp_dest", .type = ArgType::kPath},
                 {.name = "force", .type = ArgType::kBool, .default_value = false, .aliases = {"thirsty"}},
                 {.name = "backup", .type = ArgType::kBool, .default_value = false},
                 {.name = "checksum", .type = ArgType::kStr, .default_value = ""},
                 {.name = "use_proxy", .type = ArgType::kBool, .default_value = true},
                 {.name = "validate_certs", .type = ArgType::kBool, .default_value = true},
                 {.name = "timeout", .type = ArgType::kInt, .default_value = 10},
                 {.name = "headers", .type = ArgType::kDict},
                 {.name = "url_username", .type = ArgType::kStr, .aliases = {"username"}},
                 {.name = "url_password", .type = ArgType::kStr, .aliases = {"password"}, .no_log = true},
                 {.name = "force_basic_auth", .type = ArgType::kBool, .default_value = false},
                 {.name = "http_agent", .type = ArgType::kStr, .default_value = "ansible-httpget"},
                 {.name = "use_gssapi", .type = ArgType::kBool, .default_value = false},
                 {.name = "use_netrc", .type = ArgType::kBool, .default_value = true},
                 {.name = "decompress", .type = ArgType::kBool, .default_value = true},
                 {.name = "unredirected_headers", .type = ArgType::kList, .default_value = Json::array()},
                 {.name = "client_cert", .type = ArgType::kPath},
                 {.name = "client_key", .type = ArgType::kPath},
                 {.name = "ciphers", .type = ArgType::kList}},
        .returns = {"backup_file", "checksum_dest", "checksum_src", "dest", "elapsed", "gid", "group",
                    "md5sum", "mode", "msg", "owner", "size", "src", "state", "status_code", "uid", "url"},
    };
    for (auto& a : FileAttributeArgs()) s.args.push_back(a);
    return s;
  }();
  return spec;
}

Expected<Json> RunGetUrl(ModuleContext& context) {
  Host& host = context.Machine();
  int64_t start = host.NowMicros();
  auto request = RequestFromArgs(context, "GET");
  if (!request) return std::unexpected(request.error());
  auto checksum = ParseChecksum(context, request->url);
  if (!checksum) return std::unexpected(checksum.error());
  std::string dest = ExpandUser(host, context.Str("dest"));
  auto info = host.Stat(dest);
  if (!info) return std::unexpected(info.error());
  bool dest_is_dir = info->kind == FileKind::kDirectory;
  Json result{{"changed", false}, {"url", context.Str("url")}, {"dest", dest}};
  auto finish = [&](bool changed, std::string msg) -> Expected<Json> {
    auto now = host.Stat(dest);
    if (!now) return std::unexpected(now.error());
    auto attrs = ApplyFileAttributes(context, dest, *now);
    if (!attrs) return std::unexpected(attrs.error());
    result["changed"] = changed || *attrs;
    result["msg"] = std::move(msg);
    if (now->exists() && !context.check) result["checksum_dest"] = *host.FileChecksum(dest);
    AddFileFacts(host, dest, result);
    result["elapsed"] = (host.NowMicros() - start) / 1000000;
    return result;
  };
  // Idempotence: an existing file is kept unless forced or its checksum is wrong.
  if (!dest_is_dir && info->exists() && !context.Bool("force")) {
    bool keep = !*checksum || *host.FileChecksum(dest, (*checksum)->algorithm) == (*checksum)->digest;
    if (keep) return finish(false, "file already exists");
  }
  if (context.check) {
    result["changed"] = true;
    result["msg"] = "file would be downloaded (check mode)";
    return result;
  }
  std::string tmp_dir = context.Has("tmp_dest") ? ExpandUser(host, context.Str("tmp_dest"))
                                                : (dest_is_dir ? dest : DirName(dest));
  auto download = DownloadToTemp(context, *request, tmp_dir);
  if (!download) return std::unexpected(download.error());
  int64_t elapsed = (host.NowMicros() - start) / 1000000;
  if (download->fetch.response.status != 200) return FailedRequest(context, *download, elapsed);
  if (dest_is_dir) {
    dest = JoinPath(dest, DownloadName(download->fetch));
    result["dest"] = dest;
    info = host.Stat(dest);
    if (!info) return std::unexpected(info.error());
  }
  const std::string& tmp = download->tmp_path;
  result["status_code"] = download->fetch.response.status;
  result["src"] = tmp;
  result["size"] = download->fetch.body_bytes;
  if (*checksum) {
    std::string actual = *host.FileChecksum(tmp, (*checksum)->algorithm);
    if (actual != (*checksum)->digest) {
      (void)host.Remove(tmp);
      return Fail(fmt::format("The checksum for {} did not match {}; it was {}.", tmp,
                              (*checksum)->digest, actual));
    }
  }
  std::string checksum_src = *host.FileChecksum(tmp);
  result["checksum_src"] = checksum_src;
  bool differs = !info->exists() || *host.FileChecksum(dest) != checksum_src;
  if (differs) {
    if (context.Bool("backup") && info->exists()) {
      auto backup = BackupFile(host, dest);
      if (!backup) return std::unexpected(backup.error());
      result["backup_file"] = *backup;
    }
    // The temporary file took 0600; a new file gets 0644 unless mode says otherwise.
    auto attrs = RequestedAttrs(context, info->exists() ? info->mode : 0644, false);
    if (!attrs) return std::unexpected(attrs.error());
    (void)host.Chmod(tmp, attrs->mode.value_or(info->exists() ? info->mode : 0644));
    auto moved = host.Rename(tmp, dest);
    if (!moved) {
      (void)host.Remove(tmp);
      return std::unexpected(moved.error());
    }
  } else {
    (void)host.Remove(tmp);
  }
  return finish(differs, StatusMessage(download->fetch.response));
}

}  // namespace tend
