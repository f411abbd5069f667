// The explicit list of filters: Jinja2's built-ins and Ansible's, one row each. The
// functions live in filters/, one file per family.

#include "controller/template/filters/filters.h"

namespace tend::jinja {

const std::vector<FilterEntry>& Filters() {
  static const std::vector<FilterEntry> kFilters = {
      {"default", FDefault}, {"d", FDefault}, {"mandatory", FMandatory}, {"join", FJoin},
      {"lower", FLower}, {"upper", FUpper}, {"capitalize", FCapitalize}, {"title", FTitle},
      {"replace", FReplace}, {"trim", FTrim}, {"int", FInt}, {"float", FFloat},
      {"string", FString}, {"bool", FBool}, {"list", FList}, {"length", FLength},
      {"count", FCount}, {"first", FFirst}, {"last", FLast}, {"min", FMin}, {"max", FMax},
      {"sum", FSum}, {"sort", FSort}, {"unique", FUnique}, {"reverse", FReverse}, {"map", FMap},
      {"select", FSelect}, {"reject", FReject}, {"selectattr", FSelectAttr},
      {"rejectattr", FRejectAttr}, {"groupby", FGroupBy}, {"dictsort", FDictSort},
      {"items", FItems}, {"indent", FIndent}, {"center", FCenter}, {"wordcount", FWordCount},
      {"truncate", FTruncate}, {"abs", FAbs}, {"round", FRound}, {"batch", FBatch},
      {"slice", FSlice}, {"tojson", FTojson}, {"urlencode", FUrlencode}, {"format", FFormat},
      {"e", FEscape}, {"escape", FEscape}, {"forceescape", FEscape}, {"safe", FSafe},
      {"attr", FAttr}, {"pprint", FPprint},
      {"to_json", FToJson}, {"to_nice_json", FToNiceJson}, {"from_json", FFromJson},
      {"to_yaml", FToYaml}, {"to_nice_yaml", FToNiceYaml}, {"from_yaml", FFromYaml},
      {"ternary", FTernary}, {"combine", FCombine}, {"dict2items", FDict2Items},
      {"items2dict", FItems2Dict}, {"flatten", FFlatten}, {"zip", FZip},
      {"zip_longest", FZipLongest}, {"product", FProduct}, {"regex_search", FRegexSearch},
      {"regex_replace", FRegexReplace}, {"regex_findall", FRegexFindall},
      {"regex_escape", FRegexEscape}, {"b64encode", FB64Encode}, {"b64decode", FB64Decode},
      {"basename", FBasename}, {"dirname", FDirname}, {"expanduser", FExpandUser},
      {"realpath", FRealPath}, {"splitext", FSplitExt}, {"quote", FQuote}, {"hash", FHash},
      {"checksum", FCheckSum}, {"md5", FMd5}, {"sha1", FSha1},
      {"password_hash", FPasswordHash}, {"random", FRandom}, {"shuffle", FShuffle},
      {"difference", FDifference}, {"intersect", FIntersect}, {"union", FUnion},
      {"symmetric_difference", FSymDiff}, {"ipaddr", FIpAddr}, {"ipv4", FIpAddr},
      {"to_uuid", FToUuid}, {"comment", FComment}, {"strftime", FStrftime},
      {"type_debug", FTypeDebug}, {"split", FSplit}, {"subelements", FSubelements},
      {"dict", FDictFilter}, {"extract", FExtract}, {"human_readable", FHumanReadable},
      {"random_mac", FRandomMac}, {"log", FLog}, {"pow", FPow}, {"root", FRoot},
  };
  return kFilters;
}

FilterFn FindFilter(std::string_view name) {
  for (const auto& f : Filters())
    if (name == f.name) return f.fn;
  return nullptr;
}

}  // namespace tend::jinja
