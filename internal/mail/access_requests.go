package mail

import "atrium/internal/domain"

// Kinds of the messages about access requests (mail_outbox.kind).
const (
	KindAccessRequest         = "access_request"
	KindAccessRequestApproved = "access_request_approved"
	KindAccessRequestDenied   = "access_request_denied"
)

// RequestFacts is what a member who may grant access is told about a request.
type RequestFacts struct {
	To             string
	ApproverName   string
	RequesterName  string
	RequesterEmail string
	RoleName       string // the requester's role now
	Permission     string // its label, e.g. "Publish campaigns"
	Reason         string
	AccountID      int64
	AccountName    string
	// ReviewLink opens the request on the members list.
	ReviewLink string
}

// AccessRequest asks a member who may grant a permission to approve or deny it.
func AccessRequest(f RequestFacts) domain.OutboundMail {
	return Compose(KindAccessRequest, f.To, f.RequesterName+" asks for “"+f.Permission+"” in "+f.AccountName, f.AccountID, Content{
		Heading: f.RequesterName + " asks for more access",
		Paragraphs: []string{"Hello " + f.ApproverName + ",",
			f.RequesterName + " (" + f.RequesterEmail + "), " + f.RoleName + " in " + f.AccountName + ", asks for “" +
				f.Permission + "”. Approve by choosing a role that includes it, or deny, on the members list."},
		Quote:       f.Reason,
		QuoteBy:     f.RequesterName,
		ActionLabel: "Review the request",
		ActionURL:   f.ReviewLink,
		Facts:       []Fact{{"Account", f.AccountName}, {"Member", f.RequesterName + " (" + f.RequesterEmail + ")"}, {"Role now", f.RoleName}, {"Asks for", f.Permission}},
		Footer:      "You received this because you can manage members of " + f.AccountName + ".",
	})
}

// DecisionFacts is what a requester is told about their request.
type DecisionFacts struct {
	To           string
	Name         string
	DeciderName  string
	DeciderEmail string
	Permission   string
	AccountID    int64
	AccountName  string
	Approved     bool
	NewRoleName  string // when approved
	Note         string
	AccountLink  string
}

// AccessDecision tells a member whether their request was approved or denied.
func AccessDecision(f DecisionFacts) domain.OutboundMail {
	kind, subject := KindAccessRequestDenied, "Your request for “"+f.Permission+"” in "+f.AccountName+" was declined"
	body := f.DeciderName + " (" + f.DeciderEmail + ") declined your request for “" + f.Permission + "” in " + f.AccountName +
		". Your role has not changed."
	if f.Approved {
		kind, subject = KindAccessRequestApproved, "Your request for “"+f.Permission+"” in "+f.AccountName+" was approved"
		body = f.DeciderName + " (" + f.DeciderEmail + ") approved your request for “" + f.Permission + "” in " + f.AccountName +
			". Your role is now " + f.NewRoleName + "; the new permission works from your next click."
	}
	facts := []Fact{{"Account", f.AccountName}, {"Permission", f.Permission}}
	if f.Approved {
		facts = append(facts, Fact{"Your role", f.NewRoleName})
	}
	return Compose(kind, f.To, subject, f.AccountID, Content{
		Heading:     subject,
		Paragraphs:  []string{"Hello " + f.Name + ",", body},
		Quote:       f.Note,
		QuoteBy:     f.DeciderName,
		ActionLabel: "Open " + f.AccountName,
		ActionURL:   f.AccountLink,
		Facts:       facts,
		Footer:      "You received this because you asked for more access in " + f.AccountName + ".",
	})
}
