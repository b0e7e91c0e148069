# Warning flags for the project's own targets: every part builds -Wall -Wextra clean.
function(shiftadd_enable_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra)
endfunction()
