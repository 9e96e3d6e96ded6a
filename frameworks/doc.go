// Package frameworks loads the embedded compliance control catalogs and joins their controls to rule results.
package frameworks
