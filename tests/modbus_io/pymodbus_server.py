#!/usr/bin/python3
"""A pymodbus (Debian python3-pymodbus) server for the interop tests.

usage: pymodbus_server.py tcp PORT | rtu DEVICE BAUD | ascii DEVICE BAUD
Unit 1..3 each have holding registers 0..999 preset to 1000 + address; unit 3's register 10
and 11 hold float32 230.1 big-endian (0x4366, 0x199A). Prints "ready" once listening.
"""
import sys
import threading

from pymodbus.datastore import (ModbusSequentialDataBlock, ModbusServerContext,
                                ModbusSlaveContext)
from pymodbus.server import StartSerialServer, StartTcpServer
from pymodbus.transaction import ModbusAsciiFramer, ModbusRtuFramer


def context():
    slaves = {}
    for unit in (1, 2, 3):
        hr = [1000 + i for i in range(1000)]
        if unit == 3:
            hr[10], hr[11] = 0x4366, 0x199A
        # pymodbus' sequential block is 1-based: address 0 of the PDU is index 1.
        slaves[unit] = ModbusSlaveContext(
            hr=ModbusSequentialDataBlock(1, hr), ir=ModbusSequentialDataBlock(1, hr),
            co=ModbusSequentialDataBlock(1, [False] * 1000),
            di=ModbusSequentialDataBlock(1, [True, False] * 500), zero_mode=False)
    return ModbusServerContext(slaves=slaves, single=False)


def main():
    mode = sys.argv[1]
    threading.Timer(0.5, lambda: print("ready", flush=True)).start()
    if mode == "tcp":
        StartTcpServer(context=context(), address=("127.0.0.1", int(sys.argv[2])))
    elif mode == "ascii":
        # Modbus ASCII's default format is 7E1, but a pty refuses 7 data bits (tcsetattr:
        # EINVAL on this kernel) and ignores parity: the tests run ASCII frames over 8N1.
        StartSerialServer(context=context(), framer=ModbusAsciiFramer, port=sys.argv[2],
                          baudrate=int(sys.argv[3]), bytesize=8, parity="N", stopbits=1,
                          timeout=0.05)
    else:
        StartSerialServer(context=context(), framer=ModbusRtuFramer, port=sys.argv[2],
                          baudrate=int(sys.argv[3]), bytesize=8, parity="N", stopbits=1,
                          timeout=0.05)


if __name__ == "__main__":
    main()
