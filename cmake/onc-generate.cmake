# onc_generate(): runs `onc gen` on .x files when a target builds, as protobuf_generate() does
# for .proto files. Shipped with the CMake package (find_package(onc)) and used in the tree.
#
#   onc_generate(TARGET <target> FILES <file.x>...
#                [LANGUAGE C|PYTHON]       C by default
#                [PARTS xdr client server] C: which .c files join the target (all three by
#                                          default); the header always comes
#                [OUT_DIR <dir>]           default: ${CMAKE_CURRENT_BINARY_DIR}
#                [OPTIONS <arg>...]        for onc gen: -I DIR, -D NAME=VALUE...
#                [COMPILER <target>])      the onc gen to run (the tree's libonc: its own)
#
# C: FILE.h and the parts' FILE_<part>.c are generated into OUT_DIR, the .c files are added to
# the target's sources and OUT_DIR to its include directories. PYTHON: FILE.py is generated
# into OUT_DIR when the target builds (a custom target will do). Several targets may use the
# same file (a client and a server): it is generated once (with CMake 3.19's CMP0113).
function(onc_generate)
  cmake_parse_arguments(ARG "" "TARGET;LANGUAGE;OUT_DIR;COMPILER" "FILES;PARTS;OPTIONS" ${ARGN})
  if(NOT ARG_TARGET OR NOT ARG_FILES)
    message(FATAL_ERROR "onc_generate: TARGET and FILES are needed")
  endif()
  if(NOT ARG_LANGUAGE)
    set(ARG_LANGUAGE C)
  endif()
  if(NOT ARG_OUT_DIR)
    set(ARG_OUT_DIR ${CMAKE_CURRENT_BINARY_DIR})
  endif()
  if(NOT ARG_PARTS)
    set(ARG_PARTS xdr client server)
  endif()
  # the installed command (find_package(onc)), or the one built in the onc tree
  if(ARG_COMPILER)
    set(onc ${ARG_COMPILER})
  elseif(TARGET onc::cli)
    set(onc onc::cli)
  elseif(TARGET onc)
    set(onc onc)
  else()
    message(FATAL_ERROR "onc_generate: no onc command (find_package(onc) first)")
  endif()
  file(MAKE_DIRECTORY ${ARG_OUT_DIR})
  foreach(x ${ARG_FILES})
    get_filename_component(x ${x} ABSOLUTE)
    get_filename_component(base ${x} NAME_WE)
    if(ARG_LANGUAGE STREQUAL "C")
      set(outputs ${ARG_OUT_DIR}/${base}.h)
      set(sources)
      foreach(part xdr client server)
        list(APPEND outputs ${ARG_OUT_DIR}/${base}_${part}.c)
        if(part IN_LIST ARG_PARTS)
          list(APPEND sources ${ARG_OUT_DIR}/${base}_${part}.c)
        endif()
      endforeach()
      set(command ${onc} gen ${ARG_OPTIONS} -o ${ARG_OUT_DIR} ${x})
    elseif(ARG_LANGUAGE STREQUAL "PYTHON")
      set(outputs ${ARG_OUT_DIR}/${base}.py)
      set(sources ${outputs})
      set(command ${onc} gen --lang python ${ARG_OPTIONS} -o ${ARG_OUT_DIR} ${x})
    else()
      message(FATAL_ERROR "onc_generate: LANGUAGE is C or PYTHON, not ${ARG_LANGUAGE}")
    endif()
    # One rule per file, language and directory, driven by a target of its own, whatever
    # number of targets use it (a rule in each would run onc gen in parallel with itself).
    string(MD5 key "${x};${ARG_LANGUAGE};${ARG_OUT_DIR}")
    string(SUBSTRING ${key} 0 12 key)
    set(driver onc_generate_${base}_${key})
    if(NOT TARGET ${driver})
      add_custom_command(OUTPUT ${outputs}
        COMMAND ${command}
        DEPENDS ${onc} ${x}
        COMMENT "onc gen ${ARG_LANGUAGE} ${base}.x"
        VERBATIM)
      add_custom_target(${driver} DEPENDS ${outputs})
    endif()
    add_dependencies(${ARG_TARGET} ${driver})
    target_sources(${ARG_TARGET} PRIVATE ${sources})
    set_source_files_properties(${sources} PROPERTIES GENERATED TRUE)
  endforeach()
  if(ARG_LANGUAGE STREQUAL "C")
    target_include_directories(${ARG_TARGET} PRIVATE ${ARG_OUT_DIR})
  endif()
endfunction()
