package output

import "testing"

func TestMarkdownEscape(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"plain", "plain"},
		{"a | b", `a \| b`},
		{"line 1\nline 2\r\nline 3", "line 1<br>line 2<br>line 3"},
		{"<script>&amp;", "&lt;script&gt;&amp;amp;"},
		{`"*" to "*:*"`, `"\*" to "\*:\*"`},
		{"`code` _em_ back\\slash", "\\`code\\` \\_em\\_ back\\\\slash"},
		{"café ü", "café ü"},
	} {
		if got := mdEscape(tt.in); got != tt.want {
			t.Errorf("mdEscape(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
