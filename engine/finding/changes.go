package finding

import "time"

// Changes is what changed since an earlier evidence pack: the controls whose status changed and the
// resources that fail now but did not then, or failed then and do not now.
type Changes struct {
	// Previous is the earlier pack as the user named it, and when its report was generated.
	Previous            string           `json:"previous"`
	PreviousGeneratedAt time.Time        `json:"previousGeneratedAt"`
	Controls            []ControlChange  `json:"controls"`
	NewlyFailing        []ResourceChange `json:"newlyFailing"`
	Fixed               []ResourceChange `json:"fixed"`
}

// ControlChange is one control whose status differs from the earlier pack's. From is "" for a
// control the earlier pack did not assess (a new control, or a framework it did not cover).
type ControlChange struct {
	Framework string        `json:"framework"`
	Control   string        `json:"control"`
	Title     string        `json:"title"`
	From      ControlStatus `json:"from,omitempty"`
	To        ControlStatus `json:"to"`
}

// ResourceChange is one resource that one rule newly fails, or no longer fails. Now says, for a
// fixed one, whether the rule passed it (pass) or it is no longer in the population (absent).
type ResourceChange struct {
	Rule     string `json:"rule"`
	Type     string `json:"type"`
	Resource string `json:"resource"`
	Now      string `json:"now,omitempty"`
}
