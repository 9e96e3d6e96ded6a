// Package output renders a finding report as text, JSON, SARIF, JUnit XML, GitHub workflow commands, a GitHub job summary or Markdown, each renderer with its own settings.
package output
