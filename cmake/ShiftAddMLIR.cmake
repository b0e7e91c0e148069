# Included by each compiler directory (dialects, passes, frontend, tools, test):
# LLVM's HandleLLVMOptions sets directory-scoped flags (no RTTI, its warnings,
# lld), which must not leak into the trainer or the runtime.
include(HandleLLVMOptions)
include_directories(SYSTEM ${LLVM_INCLUDE_DIRS} ${MLIR_INCLUDE_DIRS})
include_directories(${PROJECT_SOURCE_DIR}/dialects/include ${PROJECT_BINARY_DIR}/dialects/include
                    ${PROJECT_SOURCE_DIR}/passes/include ${PROJECT_BINARY_DIR}/passes/include)
link_directories(${LLVM_BUILD_LIBRARY_DIR})
add_definitions(${LLVM_DEFINITIONS})

# Generates docs/<name>.md from a .td file with every build; the committed copy
# in docs/ is kept current by the ctest `generated-docs`.
function(shiftadd_generated_doc name td)
  set(out ${PROJECT_BINARY_DIR}/docs/${name}.md)
  file(GLOB tds ${CMAKE_CURRENT_SOURCE_DIR}/*.td) # the included .td files too
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${MLIR_TABLEGEN_EXE} ${ARGN}
            -I ${PROJECT_SOURCE_DIR}/dialects/include -I ${PROJECT_SOURCE_DIR}/passes/include
            -I ${MLIR_INCLUDE_DIRS} ${CMAKE_CURRENT_SOURCE_DIR}/${td} -o ${out}
    DEPENDS ${tds}
    COMMENT "Generating docs/${name}.md")
  add_custom_target(shiftadd-${name}-doc ALL DEPENDS ${out})
endfunction()
