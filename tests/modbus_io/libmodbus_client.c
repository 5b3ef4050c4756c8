/* A small client on Debian's libmodbus that runs read/write sequences against a server on
 * 127.0.0.1:PORT (unit 1, all tables zero at start). Exit 0 when every step returned what
 * the Modbus specification says; otherwise prints the failing step and exits 1. */
#include <errno.h>
#include <modbus.h>
#include <stdio.h>
#include <stdlib.h>

#define CHECK(cond, what)                                                        \
  do {                                                                           \
    if (!(cond)) {                                                               \
      fprintf(stderr, "libmodbus_client: %s failed: %s\n", what, modbus_strerror(errno)); \
      return 1;                                                                  \
    }                                                                            \
  } while (0)

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  modbus_t* ctx = modbus_new_tcp("127.0.0.1", atoi(argv[1]));
  CHECK(ctx != NULL, "new");
  modbus_set_slave(ctx, 1);
  CHECK(modbus_connect(ctx) == 0, "connect");
  uint16_t w[100], r[125];
  for (int i = 0; i < 100; ++i) w[i] = (uint16_t)(0x1000 + i * 3);
  CHECK(modbus_write_registers(ctx, 200, 100, w) == 100, "FC16 write 100 registers");
  CHECK(modbus_read_registers(ctx, 200, 100, r) == 100, "FC3 read 100 registers");
  for (int i = 0; i < 100; ++i) CHECK(r[i] == w[i], "FC3 values");
  CHECK(modbus_write_register(ctx, 7, 0xBEEF) == 1, "FC6 write register");
  CHECK(modbus_read_registers(ctx, 7, 1, r) == 1 && r[0] == 0xBEEF, "FC3 after FC6");
  CHECK(modbus_mask_write_register(ctx, 7, 0x00F2, 0x0025) == 1, "FC22 mask write");
  CHECK(modbus_read_registers(ctx, 7, 1, r) == 1 && r[0] == ((0xBEEF & 0x00F2) | (0x0025 & ~0x00F2)),
        "FC22 result");
  uint16_t rw[2] = {11, 22};
  CHECK(modbus_write_and_read_registers(ctx, 400, 2, rw, 399, 4, r) == 4, "FC23");
  CHECK(r[0] == 0 && r[1] == 11 && r[2] == 22 && r[3] == 0, "FC23 values");
  uint8_t bits[40] = {0}, got[40];
  for (int i = 0; i < 40; i += 3) bits[i] = 1;
  CHECK(modbus_write_bits(ctx, 10, 40, bits) == 40, "FC15 write coils");
  CHECK(modbus_read_bits(ctx, 10, 40, got) == 40, "FC1 read coils");
  for (int i = 0; i < 40; ++i) CHECK(got[i] == bits[i], "FC1 values");
  CHECK(modbus_write_bit(ctx, 9, 1) == 1, "FC5 write coil");
  CHECK(modbus_read_bits(ctx, 9, 1, got) == 1 && got[0] == 1, "FC1 after FC5");
  CHECK(modbus_read_input_bits(ctx, 0, 8, got) == 8, "FC2 read discrete inputs");
  CHECK(modbus_read_input_registers(ctx, 0, 125, r) == 125, "FC4 read 125 input registers");
  uint8_t id[64];
  CHECK(modbus_report_slave_id(ctx, sizeof id, id) >= 2, "FC17 report server id");
  /* Exceptions: address beyond the table, quantity beyond the limit. */
  CHECK(modbus_read_registers(ctx, 65535, 2, r) == -1 && errno == EMBXILADD, "exception 2");
  modbus_set_slave(ctx, 77);
  CHECK(modbus_read_registers(ctx, 0, 1, r) == -1 && errno == EMBXGPATH, "exception 0x0A");
  modbus_close(ctx);
  modbus_free(ctx);
  printf("libmodbus_client: all steps passed\n");
  return 0;
}
