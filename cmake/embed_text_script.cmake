# Run by tend_embed_text (EmbedText.cmake): INPUT → OUTPUT, a header with SYMBOL.
file(READ "${INPUT}" text)
file(WRITE "${OUTPUT}.tmp" "// Generated from ${SHOWN}; do not edit.\n#pragma once\nnamespace tend {\ninline constexpr char ${SYMBOL}[] = R\"tendembed(${text})tendembed\";\n}  // namespace tend\n")
file(RENAME "${OUTPUT}.tmp" "${OUTPUT}")
