# `emscore mbus decode` end to end: hex from an argument, JSON fields as documented.
file(READ ${VECTORS}/libmbus/test-frames/kamstrup_multical_601.hex hex)
string(STRIP "${hex}" hex)
execute_process(COMMAND ${EMSCORE} mbus decode "${hex}" OUTPUT_VARIABLE out RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "emscore mbus decode failed: ${rc}")
endif()
foreach(needle [["id":6855817]] [["manufacturer":"KAM"]] [["version":8]] [["medium":"Heat: Outlet"]]
        [["access_number":4]] [["status":0]]
        [[{"storage":0,"tariff":0,"subunit":0,"function":"Instantaneous value","unit":"Wh","quantity":"Energy","value":"37351000","raw":"0406"}]]
        [["value":"2011-01-05T15:26:00"]])
  string(FIND "${out}" "${needle}" pos)
  if(pos EQUAL -1)
    message(FATAL_ERROR "missing ${needle} in ${out}")
  endif()
endforeach()
execute_process(COMMAND ${EMSCORE} mbus decode "68 03 03 68 53 FE BD 0F 16"
                RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 2 OR NOT err MATCHES "checksum 0x0F, computed 0x0E")
  message(FATAL_ERROR "bad checksum not reported: ${rc} ${err}")
endif()
