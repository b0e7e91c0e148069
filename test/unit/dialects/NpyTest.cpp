// .npy reading and writing: round trips and malformed files.
#include "shiftadd/Support/Npy.h"

#include <gtest/gtest.h>

using shiftadd::NpyArray;

TEST(Npy, RoundTripsEveryWidth) {
  for (int width : {1, 2, 4, 8}) {
    NpyArray in{{2, 3}, {-128, -1, 0, 1, 100, 127}};
    std::string bytes = shiftadd::serializeNpy(in, width);
    EXPECT_EQ((10 + bytes[8]) % 64, 0) << "data must start 64-byte aligned";
    NpyArray out;
    std::string error;
    ASSERT_TRUE(shiftadd::parseNpy(bytes, out, error)) << error;
    EXPECT_EQ(out.shape, in.shape);
    EXPECT_EQ(out.data, in.data);
  }
}

TEST(Npy, OneDimensionalAndScalarShapes) {
  for (NpyArray in : {NpyArray{{3}, {1, 2, 3}}, NpyArray{{}, {5}}}) {
    NpyArray out;
    std::string error;
    ASSERT_TRUE(shiftadd::parseNpy(shiftadd::serializeNpy(in, 2), out, error)) << error;
    EXPECT_EQ(out.shape, in.shape);
    EXPECT_EQ(out.data, in.data);
  }
}

TEST(Npy, RejectsMalformedFiles) {
  std::string good = shiftadd::serializeNpy(NpyArray{{2}, {1, 2}}, 1);
  auto error = [](const std::string &bytes) {
    NpyArray out;
    std::string message;
    EXPECT_FALSE(shiftadd::parseNpy(bytes, out, message));
    return message;
  };
  EXPECT_EQ(error("hello"), "not a .npy file (bad magic)");
  EXPECT_EQ(error(good.substr(0, 20)), "truncated .npy header");
  EXPECT_EQ(error(good.substr(0, good.size() - 1)), "data holds 1 bytes, shape needs 2");
  std::string fortran = good;
  fortran.replace(fortran.find("False"), 5, "True ");
  EXPECT_EQ(error(fortran), "Fortran-order arrays are not supported");
  std::string unsignedType = good;
  unsignedType.replace(unsignedType.find("|i1"), 3, "|u1");
  EXPECT_EQ(error(unsignedType), "element type '|u1' is not a little-endian signed integer");
  std::string version = good;
  version[6] = 9;
  EXPECT_EQ(error(version), "unsupported .npy version 9");
}
