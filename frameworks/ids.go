package frameworks

import (
	"io/fs"
	"strings"
)

// IDs lists the ids of the embedded catalogs in the order Load returns them, without parsing them:
// a catalog's id is the name of its file, as Load checks. Renderers list controls in this order.
func IDs() []string {
	names, _ := fs.Glob(catalogFS, "*.yaml") // a valid pattern: Glob cannot fail
	ids := make([]string, len(names))
	for i, name := range names {
		ids[i] = strings.TrimSuffix(name, ".yaml")
	}
	return ids
}
