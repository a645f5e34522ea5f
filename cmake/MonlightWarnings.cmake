# Warning flags for every target of the project.
function(monlight_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra)
  if(MONLIGHT_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
