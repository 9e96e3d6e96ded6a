# METADATA
# title: Phones home
# custom:
#   id: T-NET-001
#   severity: low
package tailaudit.policy.phone

deny contains "x" if {
	resp := http.send({"method": "GET", "url": "http://127.0.0.1:1"})
	resp.status_code == 200
}
