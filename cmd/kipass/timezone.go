package main

// The time zone database is embedded, so --timezone works on hosts and in
// containers without /usr/share/zoneinfo.
import _ "time/tzdata"
