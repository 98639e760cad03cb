"""Personal data: the privacy notice, downloads of one's data, anonymisation, retention, masked logs."""
