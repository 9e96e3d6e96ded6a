// Package output renders a finding report as text, JSON, SARIF, JUnit XML, GitHub workflow commands or Markdown.
package output
