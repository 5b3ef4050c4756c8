/* The baseline: a minimal multi-client Modbus TCP server on Debian's libmodbus, the way
 * libmodbus' own examples serve several clients (select() over the listening socket and the
 * clients, modbus_receive + modbus_reply). Holding registers 0..999. usage: PORT */
#include <errno.h>
#include <modbus.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  modbus_t* ctx = modbus_new_tcp("127.0.0.1", atoi(argv[1]));
  modbus_mapping_t* map = modbus_mapping_new(0, 0, 1000, 0);
  if (!ctx || !map) return 1;
  for (int i = 0; i < 1000; ++i) map->tab_registers[i] = (uint16_t)i;
  int server = modbus_tcp_listen(ctx, 256);
  if (server < 0) return 1;
  printf("ready\n");
  fflush(stdout);
  fd_set all;
  FD_ZERO(&all);
  FD_SET(server, &all);
  int maxfd = server;
  uint8_t query[MODBUS_TCP_MAX_ADU_LENGTH];
  for (;;) {
    fd_set rd = all;
    if (select(maxfd + 1, &rd, NULL, NULL, NULL) < 0) {
      if (errno == EINTR) continue;
      return 1;
    }
    for (int fd = 0; fd <= maxfd; ++fd) {
      if (!FD_ISSET(fd, &rd)) continue;
      if (fd == server) {
        int c = accept(server, NULL, NULL);
        if (c >= 0) {
          FD_SET(c, &all);
          if (c > maxfd) maxfd = c;
        }
        continue;
      }
      modbus_set_socket(ctx, fd);
      int rc = modbus_receive(ctx, query);
      if (rc > 0) {
        modbus_reply(ctx, query, rc, map);
      } else if (rc == -1) {
        close(fd);
        FD_CLR(fd, &all);
      }
    }
  }
}
