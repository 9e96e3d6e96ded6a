package output

import (
	"encoding/csv"
	"io"
	"strconv"
)

// packCSVHeader names controls.csv's columns.
var packCSVHeader = []string{
	"framework", "control", "control_title", "family", "control_status", "rule", "rule_title", "coverage",
	"check_result", "population", "resource_type", "resource", "resource_result", "message",
	"waiver_reason", "waiver_by", "waiver_expires",
}

// RenderPackCSV writes controls.csv: one row per control, check and resource, with every resource
// of every population (a check without a population, and a manual control, get one row with no
// resource), so that a spreadsheet can filter the whole of what was tested.
func RenderPackCSV(w io.Writer, p *Pack) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(packCSVHeader); err != nil {
		return err
	}
	for _, a := range p.Report.Assessments {
		for _, c := range a.Controls {
			base := []string{a.Framework.ID, c.ID, c.Title, c.Family, string(c.Status)}
			if len(c.Checks) == 0 {
				if err := cw.Write(append(base, "", "", "", "", "", "", "", "", c.Reason, "", "", "")); err != nil {
					return err
				}
				continue
			}
			for _, ch := range c.Checks {
				row := append(append([]string{}, base...), ch.Rule.ID, ch.Rule.Title, string(ch.Coverage), string(ch.Result))
				pop := ""
				if ch.Population != nil {
					pop = strconv.Itoa(ch.Population.Size)
				}
				row = append(row, pop)
				outs := outcomes(ch.Population)
				if len(outs) == 0 {
					if err := cw.Write(append(row, "", "", "", ch.Reason, "", "", "")); err != nil {
						return err
					}
					continue
				}
				byRes := findingsByResource(ch)
				for _, o := range outs {
					for _, id := range o.ids {
						msg, wr, wb, we := "", "", "", ""
						if f, ok := byRes[id]; ok {
							msg = f.Message
							if f.Waiver != nil {
								wr, wb, we = f.Waiver.Reason, f.Waiver.By, f.Waiver.Expires
							}
						}
						if err := cw.Write(append(row, ch.Population.Type, id, string(o.result), msg, wr, wb, we)); err != nil {
							return err
						}
					}
				}
			}
		}
	}
	cw.Flush()
	return cw.Error()
}
