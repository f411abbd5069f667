# tend_embed_text(HEADER INPUT SYMBOL): turns the text file INPUT into a C++
# header defining `inline constexpr char SYMBOL[]` at build time, so `tend`
# carries the file (the bootstrap playbook, the names of Ansible's modules).
set(TEND_EMBED_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/embed_text_script.cmake)

function(tend_embed_text header input symbol)
  file(RELATIVE_PATH shown ${CMAKE_SOURCE_DIR} ${input})
  add_custom_command(
    OUTPUT ${header}
    COMMAND ${CMAKE_COMMAND} -DINPUT=${input} -DOUTPUT=${header} -DSYMBOL=${symbol}
            -DSHOWN=${shown} -P ${TEND_EMBED_SCRIPT}
    DEPENDS ${input} ${TEND_EMBED_SCRIPT}
    COMMENT "Embedding ${shown}")
endfunction()
