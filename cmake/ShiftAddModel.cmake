# shiftadd_add_model(<name> <model.onnx> [TARGET <target>] [NAME <c-name>] [OPTIONS <shiftaddc options>...])
#
# Compiles an ONNX model with shiftaddc at build time into a static library
# <name> whose include directory holds the generated header <c-name>.h
# (<c-name> defaults to <name>): link it and call <c-name>_run(). TARGET is a
# shiftaddc target (x86-64, aarch64, cortex-m4, cortex-m0, rv32i; default
# x86-64). The model is recompiled when the file or shiftaddc changes.
function(shiftadd_add_model name model)
  cmake_parse_arguments(ARG "" "TARGET;NAME" "OPTIONS" ${ARGN})
  if(ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "shiftadd_add_model(${name}): unknown arguments ${ARG_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT ARG_TARGET)
    set(ARG_TARGET x86-64)
  endif()
  if(NOT ARG_NAME)
    set(ARG_NAME ${name})
  endif()
  get_filename_component(model "${model}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
  set(dir "${CMAKE_CURRENT_BINARY_DIR}/shiftadd/${name}")
  add_custom_command(
    OUTPUT "${dir}/${ARG_NAME}.o" "${dir}/${ARG_NAME}.h"
    COMMAND "${CMAKE_COMMAND}" -E make_directory "${dir}"
    COMMAND ShiftAdd::shiftaddc "${model}" --target=${ARG_TARGET} --name=${ARG_NAME} -o "${dir}/${ARG_NAME}" ${ARG_OPTIONS}
    DEPENDS "${model}" ShiftAdd::shiftaddc
    COMMENT "shiftaddc: ${name} for ${ARG_TARGET}"
    VERBATIM)
  set_source_files_properties("${dir}/${ARG_NAME}.o" PROPERTIES EXTERNAL_OBJECT TRUE GENERATED TRUE)
  add_library(${name} STATIC "${dir}/${ARG_NAME}.o" "${dir}/${ARG_NAME}.h")
  set_target_properties(${name} PROPERTIES LINKER_LANGUAGE C)
  target_include_directories(${name} INTERFACE "${dir}")
endfunction()
