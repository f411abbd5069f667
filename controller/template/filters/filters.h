#pragma once

// The filter functions, one file per family under filters/. The one table that
// names them (and that "did you mean" searches) is Filters() in filters.cc.

#include <optional>
#include <string>

#include "controller/template/jinja.h"
#include "core/regex.h"

namespace tend::jinja {

// general.cc: any value
Value FDefault(Renderer& r, Value& in, const Args& a);
Value FMandatory(Renderer& r, Value& in, const Args& a);
Value FTernary(Renderer& r, Value& in, const Args& a);
Value FStrftime(Renderer& r, Value& in, const Args& a);
Value FTypeDebug(Renderer& r, Value& in, const Args& a);
Value FAttr(Renderer& r, Value& in, const Args& a);

// strings.cc
Value FLower(Renderer& r, Value& in, const Args& a);
Value FUpper(Renderer& r, Value& in, const Args& a);
Value FCapitalize(Renderer& r, Value& in, const Args& a);
Value FTitle(Renderer& r, Value& in, const Args& a);
Value FReplace(Renderer& r, Value& in, const Args& a);
Value FTrim(Renderer& r, Value& in, const Args& a);
Value FIndent(Renderer& r, Value& in, const Args& a);
Value FCenter(Renderer& r, Value& in, const Args& a);
Value FWordCount(Renderer& r, Value& in, const Args& a);
Value FTruncate(Renderer& r, Value& in, const Args& a);
Value FQuote(Renderer& r, Value& in, const Args& a);
Value FComment(Renderer& r, Value& in, const Args& a);
Value FFormat(Renderer& r, Value& in, const Args& a);
Value FEscape(Renderer& r, Value& in, const Args& a);
Value FSafe(Renderer& r, Value& in, const Args& a);
Value FSplit(Renderer& r, Value& in, const Args& a);

// lists.cc: lists and sets
Value FJoin(Renderer& r, Value& in, const Args& a);
Value FList(Renderer& r, Value& in, const Args& a);
Value FLength(Renderer& r, Value& in, const Args& a);
Value FFirst(Renderer& r, Value& in, const Args& a);
Value FLast(Renderer& r, Value& in, const Args& a);
Value FMin(Renderer& r, Value& in, const Args& a);
Value FMax(Renderer& r, Value& in, const Args& a);
Value FSum(Renderer& r, Value& in, const Args& a);
Value FSort(Renderer& r, Value& in, const Args& a);
Value FUnique(Renderer& r, Value& in, const Args& a);
Value FReverse(Renderer& r, Value& in, const Args& a);
Value FMap(Renderer& r, Value& in, const Args& a);
Value FSelect(Renderer& r, Value& in, const Args& a);
Value FReject(Renderer& r, Value& in, const Args& a);
Value FSelectAttr(Renderer& r, Value& in, const Args& a);
Value FRejectAttr(Renderer& r, Value& in, const Args& a);
Value FGroupBy(Renderer& r, Value& in, const Args& a);
Value FBatch(Renderer& r, Value& in, const Args& a);
Value FSlice(Renderer& r, Value& in, const Args& a);
Value FFlatten(Renderer& r, Value& in, const Args& a);
Value FZip(Renderer& r, Value& in, const Args& a);
Value FZipLongest(Renderer& r, Value& in, const Args& a);
Value FProduct(Renderer& r, Value& in, const Args& a);
Value FDifference(Renderer& r, Value& in, const Args& a);
Value FIntersect(Renderer& r, Value& in, const Args& a);
Value FUnion(Renderer& r, Value& in, const Args& a);
Value FSymDiff(Renderer& r, Value& in, const Args& a);
Value FSubelements(Renderer& r, Value& in, const Args& a);
Value FCount(Renderer& r, Value& in, const Args& a);

// dicts.cc
Value FDictSort(Renderer& r, Value& in, const Args& a);
Value FItems(Renderer& r, Value& in, const Args& a);
Value FCombine(Renderer& r, Value& in, const Args& a);
Value FDict2Items(Renderer& r, Value& in, const Args& a);
Value FItems2Dict(Renderer& r, Value& in, const Args& a);
Value FDictFilter(Renderer& r, Value& in, const Args& a);
Value FExtract(Renderer& r, Value& in, const Args& a);

// conversions.cc: Python type conversions
Value FInt(Renderer& r, Value& in, const Args& a);
Value FFloat(Renderer& r, Value& in, const Args& a);
Value FString(Renderer& r, Value& in, const Args& a);
Value FBool(Renderer& r, Value& in, const Args& a);

// math.cc
Value FAbs(Renderer& r, Value& in, const Args& a);
Value FRound(Renderer& r, Value& in, const Args& a);
Value FHumanReadable(Renderer& r, Value& in, const Args& a);
Value FLog(Renderer& r, Value& in, const Args& a);
Value FPow(Renderer& r, Value& in, const Args& a);
Value FRoot(Renderer& r, Value& in, const Args& a);

// random.cc
Value FRandom(Renderer& r, Value& in, const Args& a);
Value FShuffle(Renderer& r, Value& in, const Args& a);
Value FRandomMac(Renderer& r, Value& in, const Args& a);

// regex.cc
Value FRegexReplace(Renderer& r, Value& in, const Args& a);
Value FRegexSearch(Renderer& r, Value& in, const Args& a);
Value FRegexFindall(Renderer& r, Value& in, const Args& a);
Value FRegexEscape(Renderer& r, Value& in, const Args& a);

// encoding.cc: hashing and encoding
Value FB64Encode(Renderer& r, Value& in, const Args& a);
Value FB64Decode(Renderer& r, Value& in, const Args& a);
Value FHash(Renderer& r, Value& in, const Args& a);
Value FMd5(Renderer& r, Value& in, const Args& a);
Value FSha1(Renderer& r, Value& in, const Args& a);
Value FPasswordHash(Renderer& r, Value& in, const Args& a);
Value FToUuid(Renderer& r, Value& in, const Args& a);
Value FUrlencode(Renderer& r, Value& in, const Args& a);
Value FCheckSum(Renderer& r, Value& in, const Args& a);

// paths.cc
Value FBasename(Renderer& r, Value& in, const Args& a);
Value FDirname(Renderer& r, Value& in, const Args& a);
Value FExpandUser(Renderer& r, Value& in, const Args& a);
Value FRealPath(Renderer& r, Value& in, const Args& a);
Value FSplitExt(Renderer& r, Value& in, const Args& a);

// serialisation.cc: JSON, YAML, pprint
Value FToJson(Renderer& r, Value& in, const Args& a);
Value FToNiceJson(Renderer& r, Value& in, const Args& a);
Value FTojson(Renderer& r, Value& in, const Args& a);
Value FFromJson(Renderer& r, Value& in, const Args& a);
Value FFromYaml(Renderer& r, Value& in, const Args& a);
Value FToYaml(Renderer& r, Value& in, const Args& a);
Value FToNiceYaml(Renderer& r, Value& in, const Args& a);
Value FPprint(Renderer& r, Value& in, const Args& a);

// network.cc
Value FIpAddr(Renderer& r, Value& in, const Args& a);

/// A Python `re` pattern for the regex filters and the `match`/`search` tests.
/// Throws RenderError for an invalid pattern.
Regex MakeRegex(const std::string& pattern, bool ignorecase, bool multiline);

/// Python's int(text, base) (2, 8, 10 or 16; "_" separators, an optional prefix),
/// or nothing where Python raises.
std::optional<int64_t> ParseInt(std::string text, int base);

}  // namespace tend::jinja
