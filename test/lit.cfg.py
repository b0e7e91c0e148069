# lit configuration of the shiftadd compiler tests.
import os

import lit.formats
from lit.llvm import llvm_config

config.name = "shiftadd"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.shiftadd_obj_root, "test")
config.excludes = ["unit", "Inputs", "CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py", "numerical.py", "make_fixtures.py", "compare_torch.py", "onnx_node_tests.py", "agree.py"]

llvm_config.with_system_environment(["HOME", "TMP", "TEMP"])
llvm_config.use_default_substitutions()
# FileCheck, not and count live in LLVM's tool directory, which is not on PATH on Debian.
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)

config.substitutions.append(("%shiftadd_src_root", config.shiftadd_src_root))
config.substitutions.append(("%shiftadd_obj_root", config.shiftadd_obj_root))
# Debian's python3 with numpy/onnx/torch: the oracles of the tests (pyenv's python3 lacks them).
config.substitutions.append(("%python", "/usr/bin/python3"))
config.substitutions.append(("%shiftadd_tools_dir", config.shiftadd_tools_dir))

tool_dirs = [config.shiftadd_tools_dir, config.llvm_tools_dir]
tools = ["shiftadd-opt", "shiftadd-run", "shiftadd-translate", "shiftaddc"]
# The trainer's tests (test/Training) run where it is built, on the UCI
# digits that scripts/setup.sh extracts from Debian's python3-sklearn.
if config.shiftadd_trainer in ("ON", "1", "TRUE", "YES"):
    config.available_features.add("trainer")
    tools.append("shiftadd-train")
config.substitutions.append(("%digits", os.path.join(config.shiftadd_src_root, "data", "digits", "digits.csv.gz")))
llvm_config.add_tool_substitutions(tools, tool_dirs)
