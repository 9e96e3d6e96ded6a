package sink

import (
	"embed"
	"io/fs"
)

//go:embed templates
var templates embed.FS

// Templates is what the receivers need to make sense of the alerts: an Elasticsearch index template
// and ingest pipeline, Kibana saved searches, and Splunk saved searches, at the paths
// `tailaudit alerts templates` writes them to.
func Templates() fs.FS {
	// fs.Sub fails only for a path that is not valid, and "templates" is.
	sub, _ := fs.Sub(templates, "templates")
	return sub
}
