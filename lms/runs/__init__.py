"""Course runs (intakes): a course taught between dates to a group, with an enrolment window, a capacity and
a waiting list, open to every institution or to a list of them."""
