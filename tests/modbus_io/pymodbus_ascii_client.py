#!/usr/bin/python3
"""A pymodbus (Debian python3-pymodbus) Modbus ASCII client for the interop tests.

usage: pymodbus_ascii_client.py DEVICE BAUD UNIT
On an 8N1 line (a pty refuses 7 data bits, see pymodbus_server.py): reads holding registers 0..2 of UNIT, writes 11 22 33 at 10, reads them back,
reads input register 99, and reads 65535..65536 (expects exception 2). Prints one line
per step ("holding 0..2: 1 2 3", ...) and "all steps passed" at the end; exit status 1 on
the first failure.
"""
import sys

from pymodbus.client import ModbusSerialClient
from pymodbus.transaction import ModbusAsciiFramer


def main():
    device, baud, unit = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    client = ModbusSerialClient(port=device, framer=ModbusAsciiFramer, baudrate=baud, bytesize=8,
                                parity="N", stopbits=1, timeout=1, retries=1)
    if not client.connect():
        print("cannot open", device)
        return 1
    r = client.read_holding_registers(0, 3, slave=unit)
    if r.isError():
        print("read holding failed:", r)
        return 1
    print("holding 0..2:", *r.registers)
    w = client.write_registers(10, [11, 22, 33], slave=unit)
    if w.isError():
        print("write failed:", w)
        return 1
    r = client.read_holding_registers(10, 3, slave=unit)
    if r.isError() or r.registers != [11, 22, 33]:
        print("read back failed:", r)
        return 1
    print("holding 10..12:", *r.registers)
    r = client.read_input_registers(99, 1, slave=unit)
    if r.isError():
        print("read input failed:", r)
        return 1
    print("input 99:", *r.registers)
    r = client.read_holding_registers(65535, 2, slave=unit)  # past the end of the table
    if not r.isError() or getattr(r, "exception_code", None) != 2:
        print("expected exception 2, got:", r)
        return 1
    print("exception:", r.exception_code)
    client.close()
    print("all steps passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
