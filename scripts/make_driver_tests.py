#!/usr/bin/env python3
"""Writes drivers/*.json: the register maps (transcribed from the sources named in each file)
plus a golden test each — a register image built from chosen values and the readings it must give.
Re-run after editing a map: python3 scripts/make_driver_tests.py"""
import json, struct, pathlib

OUT = pathlib.Path(__file__).resolve().parent.parent / "drivers"

def regs(type_, value):
    if type_ == "float32":
        b = struct.pack(">f", float(value))
    elif type_ == "uint64":
        b = struct.pack(">Q", int(value))
    elif type_ == "uint32":
        b = struct.pack(">I", int(value))
    elif type_ == "int32":
        b = struct.pack(">i", int(value))
    elif type_ == "uint16":
        b = struct.pack(">H", int(value))
    elif type_ == "int16":
        b = struct.pack(">h", int(value))
    else:
        raise ValueError(type_)
    return [int.from_bytes(b[i:i + 2], "big") for i in range(0, len(b), 2)]

def driver(id_, manufacturer, model, description, source, table, type_, fields, numbering):
    """fields: (address, name, unit, obis, phase, tariff, sample value as text, extra)"""
    out_fields, image, expect = [], {}, []
    for f in fields:
        addr, name, unit, obis, phase, tariff, sample = f[:7]
        extra = dict(f[7]) if len(f) > 7 else {}
        expected_text = extra.pop("expect", sample)
        fd = {"name": name, "address": addr, "unit": unit}
        if obis: fd["obis"] = obis
        if phase: fd["phase"] = phase
        if tariff: fd["tariff"] = tariff
        fd.update(extra)
        out_fields.append(fd)
        t = extra.get("type", type_)
        for i, r in enumerate(regs(t, sample)):
            image[addr + i] = r
        if obis:
            out_unit = extra.get("output_unit", unit)
            expect.append({"obis": obis, "value": expected_text, "unit": out_unit})
    # One block per contiguous run of the image.
    blocks, cur = [], None
    for a in sorted(image):
        if cur and a == cur["start"] + len(cur["values"]):
            cur["values"].append(image[a])
        else:
            cur = {"table": table, "start": a, "values": [image[a]]}
            blocks.append(cur)
    d = {"kind": "modbus", "id": id_, "manufacturer": manufacturer, "model": model,
         "description": description, "source": source, "numbering": numbering,
         "defaults": {"table": table, "type": type_, "order": "ABCD"},
         "fields": out_fields,
         "tests": [{"name": "typical readings", "blocks": blocks, "expect": expect}]}
    (OUT / f"{id_}.json").write_text(json.dumps(d, indent=2, ensure_ascii=False) + "\n")

# Eastron SDM630 (3-phase): input registers (FC 4), float32 big endian, numbered 30001.. in the
# manual ("register 30001 = address 0x0000").
sdm630 = [
    (30001, "Phase 1 line to neutral voltage", "V", "1-0:32.7.0", 1, 0, "230.1"),
    (30003, "Phase 2 line to neutral voltage", "V", "1-0:52.7.0", 2, 0, "231.4"),
    (30005, "Phase 3 line to neutral voltage", "V", "1-0:72.7.0", 3, 0, "229.8"),
    (30007, "Phase 1 current", "A", "1-0:31.7.0", 1, 0, "5.25"),
    (30009, "Phase 2 current", "A", "1-0:51.7.0", 2, 0, "4.5"),
    (30011, "Phase 3 current", "A", "1-0:71.7.0", 3, 0, "0.75"),
    (30013, "Phase 1 active power", "W", "1-0:21.7.0", 1, 0, "1200.5"),
    (30015, "Phase 2 active power", "W", "1-0:41.7.0", 2, 0, "1010"),
    (30017, "Phase 3 active power", "W", "1-0:61.7.0", 3, 0, "-150.25"),
    (30031, "Phase 1 power factor", "", "1-0:33.7.0", 1, 0, "0.98"),
    (30033, "Phase 2 power factor", "", "1-0:53.7.0", 2, 0, "0.95"),
    (30035, "Phase 3 power factor", "", "1-0:73.7.0", 3, 0, "-0.5"),
    (30053, "Total system power", "W", "1-0:16.7.0", 0, 0, "2060.25"),
    (30057, "Total system apparent power", "VA", "1-0:9.7.0", 0, 0, "2250"),
    (30061, "Total system reactive power", "var", "1-0:3.7.0", 0, 0, "410.5"),
    (30063, "Total system power factor", "", "1-0:13.7.0", 0, 0, "0.915"),
    (30071, "Frequency", "Hz", "1-0:14.7.0", 0, 0, "49.98"),
    (30073, "Total import active energy", "kWh", "1-0:1.8.0", 0, 0, "12345.6"),
    (30075, "Total export active energy", "kWh", "1-0:2.8.0", 0, 0, "321.5"),
    (30077, "Total import reactive energy", "kvarh", "1-0:3.8.0", 0, 0, "1024.25"),
    (30079, "Total export reactive energy", "kvarh", "1-0:4.8.0", 0, 0, "12.5"),
    (30225, "Neutral current", "A", "1-0:91.7.0", 0, 0, "0.25"),
    (30343, "Total active energy (import + export)", "kWh", "1-0:15.8.0", 0, 0, "12667.1"),
]
driver("eastron_sdm630", "Eastron", "SDM630 Modbus", "3-phase 4-wire DIN-rail energy meter",
       "Eastron SDM630 Modbus protocol, input register table (30001 = address 0)",
       "input", "float32", sdm630, numbering="modicon")

# Eastron SDM230 / SDM120 (1-phase): same numbering, fewer registers.
sdm230 = [
    (30001, "Voltage", "V", "1-0:32.7.0", 1, 0, "232.7"),
    (30007, "Current", "A", "1-0:31.7.0", 1, 0, "3.5"),
    (30013, "Active power", "W", "1-0:21.7.0", 1, 0, "790.25"),
    (30019, "Apparent power", "VA", "1-0:29.7.0", 1, 0, "814.5"),
    (30025, "Reactive power", "var", "1-0:23.7.0", 1, 0, "197.75"),
    (30031, "Power factor", "", "1-0:33.7.0", 1, 0, "0.97"),
    (30071, "Frequency", "Hz", "1-0:14.7.0", 0, 0, "50.01"),
    (30073, "Import active energy", "kWh", "1-0:1.8.0", 0, 0, "4521.5"),
    (30075, "Export active energy", "kWh", "1-0:2.8.0", 0, 0, "0.25"),
    (30077, "Import reactive energy", "kvarh", "1-0:3.8.0", 0, 0, "210.75"),
    (30079, "Export reactive energy", "kvarh", "1-0:4.8.0", 0, 0, "3.5"),
    (30343, "Total active energy", "kWh", "1-0:15.8.0", 0, 0, "4521.75"),
]
driver("eastron_sdm230", "Eastron", "SDM230 Modbus / SDM120 Modbus", "1-phase DIN-rail energy meter",
       "Eastron SDM230/SDM120 Modbus protocol, input register table (30001 = address 0)",
       "input", "float32", sdm230, numbering="modicon")

# Eastron SDM72D-M (3-phase, reduced map): the manual lists start addresses in hex (00 34 for
# 30053), confirming register 300xx = address xx-1.
sdm72 = [
    (30053, "Total system power", "W", "1-0:16.7.0", 0, 0, "3400.5"),
    (30073, "Total import active energy", "kWh", "1-0:1.8.0", 0, 0, "88123.25"),
    (30075, "Total export active energy", "kWh", "1-0:2.8.0", 0, 0, "17.5"),
    (30343, "Total active energy (import + export)", "kWh", "1-0:15.8.0", 0, 0, "88140.75"),
    (30385, "Resettable total active energy", "kWh", "", 0, 0, "120.5"),
    (30389, "Resettable import active energy", "kWh", "", 0, 0, "110.25"),
    (30391, "Resettable export active energy", "kWh", "", 0, 0, "10.25"),
    (31281, "Total import active power", "W", "1-0:1.7.0", 0, 0, "3400.5", {"output_unit": "kW", "expect": "3.4005"}),
    (31283, "Total export active power", "W", "1-0:2.7.0", 0, 0, "0"),
]
driver("eastron_sdm72d_m", "Eastron", "SDM72D-M", "3-phase DIN-rail energy meter (MID)",
       "Eastron SDM72D-M user manual, part 3 Modbus protocol, input registers",
       "input", "float32", sdm72, numbering="modicon")

# EMU Professional II, Modbus RTU: the data logger manual's example (seed 002) — active energy
# import tariff 1 in Wh as uint64 at start address 6004, function 0x03, big endian, MSB first.
# Emitted in kWh, as the data logger shows it (factor 0.001 in the manual's terms: Wh -> kWh).
emu = [
    (6004, "Active energy import, tariff 1", "Wh", "1-0:1.8.1", 0, 0, "180470",
     {"output_unit": "kWh", "expect": "180.47"}),
]
driver("emu_professional_2", "EMU", "Professional II (Modbus RTU)", "3-phase energy meter",
       "M-Bus/Modbus data logger manual (seed 002), 'Example of integration of an EMU Professional II "
       "Modbus RTU meter': register 6004, uInt64, Wh, FC 0x03, OBIS 1-0:1.8.1; the address as written "
       "there is used as the PDU address", "holding", "uint64", emu, numbering="pdu")
print("written to", OUT)
