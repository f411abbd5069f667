#pragma once

// The lookups that only reshape their terms into a list of items: what
// `with_items`, `with_dict`, `with_sequence`, `with_subelements` ... loop
// over. Registered in BuiltinLookups() (lookups.cc) with the others.

#include "controller/template/template.h"

namespace tend {

Expected<Json> LookupItems(const Json& terms, const Json& kwargs, Templar& templar);
Expected<Json> LookupFlattened(const Json& terms, const Json& kwargs, Templar& templar);
Expected<Json> LookupList(const Json& terms, const Json& kwargs, Templar& templar);
Expected<Json> LookupDict(const Json& terms, const Json& kwargs, Templar& templar);
Expected<Json> LookupIndexedItems(const Json& terms, const Json& kwargs, Templar& templar);
Expected<Json> LookupSequence(const Json& terms, const Json& kwargs, Templar& templar);
Expected<Json> LookupSubelements(const Json& terms, const Json& kwargs, Templar& templar);
Expected<Json> LookupTogether(const Json& terms, const Json& kwargs, Templar& templar);
Expected<Json> LookupNested(const Json& terms, const Json& kwargs, Templar& templar);

}  // namespace tend
