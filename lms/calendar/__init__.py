"""The calendar: a person's sessions and due dates as a month page, an agenda, .ics downloads and a secret
iCalendar feed (RFC 5545) that calendar apps subscribe to."""
