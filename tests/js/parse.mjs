// Parse .ics files with Mozilla's ical.js (the parser inside Thunderbird) and print, as JSON, each file's calendar
// properties and every event's UID, SEQUENCE, STATUS, SUMMARY and start/end as UTC instants.
// Usage: node parse.mjs FILE.ics [FILE.ics ...]
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

const utc = (time) => time.toJSDate().toISOString().replace(".000Z", "Z");
const out = {};
for (const file of process.argv.slice(2)) {
  const calendar = new ICAL.Component(ICAL.parse(readFileSync(file, "utf8")));
  // Register any VTIMEZONE so TZID-based times would be evaluated with it (ours are UTC, but be honest).
  for (const tz of calendar.getAllSubcomponents("vtimezone")) {
    ICAL.TimezoneService.register(tz);
  }
  out[file] = {
    calendar: {
      name: calendar.getFirstPropertyValue("name"),
      method: calendar.getFirstPropertyValue("method"),
      refresh: String(calendar.getFirstPropertyValue("refresh-interval")),
    },
    events: calendar.getAllSubcomponents("vevent").map((vevent) => {
      const event = new ICAL.Event(vevent);
      return {
        uid: event.uid,
        sequence: event.sequence,
        status: vevent.getFirstPropertyValue("status"),
        summary: event.summary,
        start: utc(event.startDate),
        end: utc(event.endDate),
      };
    }),
  };
}
process.stdout.write(JSON.stringify(out));
