# METADATA
# title: Duplicate ACL, grant or SSH rule
# description: >-
#   An entry in acls, grants or ssh repeats an earlier entry in the same
#   section (the order of sources, destinations and users is ignored). The
#   copy adds nothing, and when someone later narrows one of the two, the
#   other keeps the old access open.
# custom:
#   id: TA-DUP-001
#   severity: low
#   remediation: >-
#     Delete the later copy.
package tailaudit.policy.duplicate_entry

sections := ["acls", "grants", "ssh"]

deny contains result if {
	some section in sections
	entries := input.policy[section]
	is_array(entries)
	canon := [canonical(entry) | some entry in entries]
	first := first_index(canon)
	some k, entry in canon
	earlier := first[entry]
	earlier < k
	result := {
		"msg": sprintf("%s[%d] repeats %s[%d]", [section, k, section, earlier]),
		"path": ["policy", section, k],
		"evidence": {"duplicateOf": ["policy", section, earlier]},
	}
}

# first_index maps each distinct value of xs to the index where it first appears. Sorting [value,
# index] pairs puts equal values next to each other, lowest index first, so this takes n log n
# rather than comparing every entry with every other.
first_index(xs) := {pair[0]: pair[1] |
	sorted := sort([[x, i] | some i, x in xs])
	some j, pair in sorted
	not sorted[j - 1][0] == pair[0] # the first of its run; sorted[-1] is undefined
}

# canonical is the entry as JSON in which every list is a sorted set, so entries that differ only in
# the order or repetition of list items compare equal. Strings sort and compare far faster than
# objects of sets.
canonical(entry) := json.marshal({key: as_set(value) | some key, value in entry}) if is_object(entry)

canonical(entry) := json.marshal(entry) if not is_object(entry)

as_set(value) := sort({x | some x in value}) if is_array(value)

as_set(value) := value if not is_array(value)
