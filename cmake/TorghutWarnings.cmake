# torghut_set_warnings(<target>): strict warnings on our own code only; third-party headers are
# included as SYSTEM so their warnings never fail our build.
function(torghut_set_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Wnon-virtual-dtor
    -Wold-style-cast -Wcast-align -Woverloaded-virtual -Wnull-dereference -Wimplicit-fallthrough
    -Wno-restrict  # GCC 12 false positive inside libstdc++/libpqxx at -O3
  )
  if(TORGHUT_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
