# Included by each compiler directory (dialects, passes, frontend, tools, test):
# LLVM's HandleLLVMOptions sets directory-scoped flags (no RTTI, its warnings,
# lld), which must not leak into the trainer or the runtime.
include(HandleLLVMOptions)
include_directories(SYSTEM ${LLVM_INCLUDE_DIRS} ${MLIR_INCLUDE_DIRS})
include_directories(${PROJECT_SOURCE_DIR}/dialects/include ${PROJECT_BINARY_DIR}/dialects/include)
link_directories(${LLVM_BUILD_LIBRARY_DIR})
add_definitions(${LLVM_DEFINITIONS})
