package engine

import (
	"errors"
	"maps"
	"runtime"
	"slices"
	"sync"

	"github.com/open-policy-agent/opa/v1/ast"
)

// inputValue is ast.InterfaceToValue(doc), built by the converter that shares the terms of keys and
// short strings (alerts.go), with the snapshot's large arrays (devices, users...) converted in parts
// on every CPU Go may use at once, instead of on one; a converter per goroutine, as its table is not
// safe to share.
// snapshotStrings is how many strings a converter of the input shares. A snapshot's items hold
// more distinct short strings (names, addresses, dates) than an event: with the alert converter's
// bound, the table fills within the first thousand devices and the strings that repeat further on
// (client versions, users) are no longer shared: 28 MB more live heap at 50,000 devices.
const snapshotStrings = 1 << 16

func inputValue(doc map[string]any) (ast.Value, error) {
	snap, _ := doc["tailnet"].(map[string]any)
	if snap == nil {
		return (&converter{limit: snapshotStrings}).value(doc)
	}
	const part = 4096 // items per conversion task
	type task struct {
		items []any
		out   []*ast.Term
	}
	var tasks []*task
	arrays := map[string][]*task{}
	rest := map[string]any{}
	for key, v := range snap {
		items, isArray := v.([]any)
		if !isArray || len(items) <= part {
			rest[key] = v
			continue
		}
		for i := 0; i < len(items); i += part {
			t := &task{items: items[i:min(i+part, len(items))]}
			tasks = append(tasks, t)
			arrays[key] = append(arrays[key], t)
		}
	}
	if len(tasks) == 0 {
		return (&converter{limit: snapshotStrings}).value(doc)
	}
	errs := make([]error, len(tasks))
	next := make(chan int, len(tasks))
	for i := range tasks {
		next <- i
	}
	close(next)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(tasks)) {
		wg.Go(func() {
			c := &converter{limit: snapshotStrings} // one per goroutine: its table is not shared
			for i := range next {
				t := tasks[i]
				t.out = make([]*ast.Term, len(t.items))
				for j, item := range t.items {
					term, err := c.term(item)
					if err != nil {
						errs[i] = err
						break
					}
					t.out[j] = term
				}
			}
		})
	}
	outer := make(map[string]any, len(doc))
	for k, v := range doc {
		if k != "tailnet" {
			outer[k] = v
		}
	}
	c := &converter{limit: snapshotStrings}
	top, topErr := c.value(outer)
	tailnet, restErr := c.value(rest)
	wg.Wait()
	if err := errors.Join(append(errs, topErr, restErr)...); err != nil {
		return nil, err
	}
	obj := tailnet.(ast.Object)
	for _, key := range slices.Sorted(maps.Keys(arrays)) {
		var terms []*ast.Term
		for _, t := range arrays[key] {
			terms = append(terms, t.out...)
		}
		obj.Insert(ast.StringTerm(key), ast.ArrayTerm(terms...))
	}
	top.(ast.Object).Insert(ast.StringTerm("tailnet"), ast.NewTerm(obj))
	return top, nil
}
