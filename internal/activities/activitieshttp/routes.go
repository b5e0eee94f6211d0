// Package activitieshttp exposes the activities module over HTTP.
package activitieshttp

import (
	"context"
	"math"
	"net/http"
	"reflect"
	"slices"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/zuju/zuju/internal/activities"
)

var bearer = []map[string][]string{{"bearer": {}}}

// ActivityPersonDTO is the public face of an organizer or participant.
type ActivityPersonDTO struct {
	ID        string `json:"id"`
	Nickname  string `json:"nickname"`
	AvatarURL string `json:"avatar_url"`
}

// ActivityTagDTO is an interest tag of an activity.
type ActivityTagDTO struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// ActivityDTO is an activity as the caller may see it; hidden fields are
// null and named in locked_fields.
type ActivityDTO struct {
	ID               string              `json:"id"`
	Title            string              `json:"title"`
	TypeID           string              `json:"type_id"`
	Tags             []ActivityTagDTO    `json:"tags" doc:"interest tags (ids and names)"`
	City             string              `json:"city"`
	Address          *string             `json:"address" doc:"exact address; participants, organizer and staff only"`
	Lat              *float64            `json:"lat"`
	Lng              *float64            `json:"lng"`
	StartAt          time.Time           `json:"start_at"`
	EndAt            time.Time           `json:"end_at"`
	SignupDeadline   time.Time           `json:"signup_deadline"`
	MinParticipants  int                 `json:"min_participants"`
	MaxParticipants  int                 `json:"max_participants"`
	ParticipantCount int                 `json:"participant_count"`
	PriceFen         int64               `json:"price_fen"`
	MemberOnly       bool                `json:"member_only"`
	Status           string              `json:"status" enum:"draft,published,formed,finished,cancelled"`
	Description      *string             `json:"description" doc:"null (locked) on a member-only activity for callers who are neither members nor participants"`
	CoverURL         string              `json:"cover_url"`
	Organizer        ActivityPersonDTO   `json:"organizer"`
	OrganizerContact *string             `json:"organizer_contact" doc:"the organizer's phone; participants, organizer and staff only (null too when the organizer has none)"`
	Participants     []ActivityPersonDTO `json:"participants" doc:"confirmed and checked-in participants in sign-up order (at most 200); participants, organizer and staff only. Loaded in the details view only: always null in list items, where locked_fields still tells whether the caller may see them"`
	ClubID           *string             `json:"club_id"`
	Visibility       string              `json:"visibility" enum:"public,members" doc:"public, or members: only the club's members (and the organizer and staff) see it"`
	ChatRoomID       *string             `json:"chat_room_id" doc:"the participants' chat room; participants, organizer and staff only (null until the chat exists)"`
	LockedFields     []string            `json:"locked_fields" doc:"fields hidden from the caller (their values are null): description, address, lat, lng, organizer_contact, participants, chat_room_id. In list items the caller's own sign-up is not consulted: participant-only fields are unlocked there for the organizer and staff only"`
	CancelReason     string              `json:"cancel_reason,omitempty"`
	CreatedAt        time.Time           `json:"created_at"`
	DistanceKm       *float64            `json:"distance_km" doc:"kilometres from the list's lat/lng; null without one. Staff, and organizers in /me/activities, get the distance of the exact place in 0.1 km steps; everyone else the distance of the place snapped to a grid of 1/200 degree (about 500 m) in 0.5 km steps, which is also what radius_km, sort=distance and the cursors use for them"`
}

func person(p activities.Person) ActivityPersonDTO {
	return ActivityPersonDTO{ID: p.ID, Nickname: p.Nickname, AvatarURL: p.AvatarURL}
}

func toDTO(v activities.View) ActivityDTO {
	a := v.Activity
	d := ActivityDTO{ID: a.ID, Title: a.Title, TypeID: a.TypeID, Tags: make([]ActivityTagDTO, len(v.Tags)), City: a.City,
		StartAt: a.StartAt, EndAt: a.EndAt, SignupDeadline: a.SignupDeadline, MinParticipants: a.MinParticipants,
		MaxParticipants: a.MaxParticipants, ParticipantCount: a.ParticipantCount, PriceFen: a.PriceFen,
		MemberOnly: a.MemberOnly, Status: string(a.Status), CoverURL: a.CoverURL,
		Organizer: person(v.Organizer), LockedFields: v.Locked, CancelReason: a.CancelReason, CreatedAt: a.CreatedAt,
		Visibility: string(a.Visibility)}
	if d.Visibility == "" {
		d.Visibility = string(activities.VisibilityPublic)
	}
	for i, t := range v.Tags {
		d.Tags[i] = ActivityTagDTO{ID: t.ID, Name: t.Name}
	}
	if d.LockedFields == nil {
		d.LockedFields = []string{}
	}
	if a.ClubID != "" {
		d.ClubID = &a.ClubID
	}
	open := func(f string) bool { return !slices.Contains(v.Locked, f) }
	if open(activities.FieldDescription) {
		d.Description = &a.Description
	}
	if open(activities.FieldAddress) {
		d.Address, d.Lat, d.Lng = &a.Address, &a.Lat, &a.Lng
	}
	if open(activities.FieldOrganizer) && v.Contact != "" {
		d.OrganizerContact = &v.Contact
	}
	if open(activities.FieldParticipants) && v.Participants != nil {
		d.Participants = make([]ActivityPersonDTO, len(v.Participants))
		for i, p := range v.Participants {
			d.Participants[i] = person(p)
		}
	}
	if open(activities.FieldChatRoom) && v.ChatRoomID != "" {
		d.ChatRoomID = &v.ChatRoomID
	}
	return d
}

// TypeDTO is an activity type.
type TypeDTO struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Sort int    `json:"sort"`
}

// Register adds the activity routes to api (rooted at /api/v1).
func Register(api huma.API, svc *activities.Service) {
	h := handlers{svc: svc}
	tag := []string{"Activities"}
	admin := []string{"Admin"}
	huma.Register(api, huma.Operation{OperationID: "list-activity-types", Method: http.MethodGet, Path: "/activity-types",
		Summary: "Activity types", Tags: tag}, h.types)
	huma.Register(api, huma.Operation{OperationID: "list-activities", Method: http.MethodGet, Path: "/activities",
		Summary: "Discover activities (published, formed, finished): filters, keyword search, near-me and four sorts",
		Description: "Keyword search `q` matches every word of the query (Chinese text by character pairs, so 篮球 finds 周末篮球局). " +
			"`lat`, `lng` (together) keep the activities within `radius_km` (default 10, 1 to 100) and fill `distance_km`; " +
			"an exact place is for participants, so distances are coarse (a 500 m grid, 0.5 km steps) except for staff and in /me/activities. " +
			"Sorts: `start_at` (default), `hot` (recent sign-ups, decaying with a 24 h half-life), `distance` (needs lat/lng) and " +
			"`recommended` (shared interest tags, then start time; by start time for anonymous callers). A cursor belongs to its sort.",
		Tags: tag}, h.list)
	huma.Register(api, huma.Operation{OperationID: "list-my-organized-activities", Method: http.MethodGet, Path: "/me/activities",
		Summary: "Activities the caller organizes, drafts and cancelled ones included", Tags: tag, Security: bearer}, h.mine)
	huma.Register(api, huma.Operation{OperationID: "get-activity", Method: http.MethodGet, Path: "/activities/{id}",
		Summary: "One activity; fields the caller may not see yet are null and listed in locked_fields", Tags: tag}, h.get)
	huma.Register(api, huma.Operation{OperationID: "create-activity", Method: http.MethodPost, Path: "/activities",
		Summary: "Create a draft activity (organizers and admins)", Tags: tag, Security: bearer, DefaultStatus: http.StatusCreated}, h.create)
	huma.Register(api, huma.Operation{OperationID: "update-activity", Method: http.MethodPatch, Path: "/activities/{id}",
		Summary: "Edit a draft or published activity (once anybody signed up, price_fen, member_only and visibility are fixed: 409 activity.locked_after_signup; lowering min_participants to the confirmed sign-ups forms it)", Tags: tag, Security: bearer}, h.update)
	huma.Register(api, huma.Operation{OperationID: "publish-activity", Method: http.MethodPost, Path: "/activities/{id}/publish",
		Summary: "Open a draft for sign-up", Tags: tag, Security: bearer}, h.publish)
	huma.Register(api, huma.Operation{OperationID: "cancel-activity", Method: http.MethodPost, Path: "/activities/{id}/cancel",
		Summary: "Cancel an activity", Tags: tag, Security: bearer}, h.cancel)

	registerSignups(api, h)
	registerCover(api, h)
	registerCheckIn(api, h)
	registerAdminActivities(api, h)

	huma.Register(api, huma.Operation{OperationID: "admin-list-activity-types", Method: http.MethodGet, Path: "/admin/activity-types",
		Summary: "Activity types", Tags: admin, Security: bearer}, h.types)
	huma.Register(api, huma.Operation{OperationID: "admin-create-activity-type", Method: http.MethodPost, Path: "/admin/activity-types",
		Summary: "Add an activity type", Tags: admin, Security: bearer, DefaultStatus: http.StatusCreated}, h.createType)
	huma.Register(api, huma.Operation{OperationID: "admin-update-activity-type", Method: http.MethodPatch, Path: "/admin/activity-types/{id}",
		Summary: "Change an activity type", Tags: admin, Security: bearer}, h.updateType)
	huma.Register(api, huma.Operation{OperationID: "admin-delete-activity-type", Method: http.MethodDelete, Path: "/admin/activity-types/{id}",
		Summary: "Delete an unused activity type", Tags: admin, Security: bearer, DefaultStatus: http.StatusNoContent}, h.deleteType)
}

type handlers struct{ svc *activities.Service }

type typesOut struct {
	Body struct {
		Items []TypeDTO `json:"items"`
	}
}

func (h handlers) types(ctx context.Context, _ *struct{}) (*typesOut, error) {
	ts, err := h.svc.Types(ctx)
	if err != nil {
		return nil, err
	}
	out := &typesOut{}
	out.Body.Items = make([]TypeDTO, len(ts))
	for i, t := range ts {
		out.Body.Items[i] = TypeDTO{ID: t.ID, Name: t.Name, Sort: t.Sort}
	}
	return out, nil
}

type listIn struct {
	Q          string        `query:"q" maxLength:"50" doc:"keyword search over title, description (not of member-only activities), city and type"`
	City       string        `query:"city" maxLength:"30"`
	TypeID     string        `query:"type_id" maxLength:"64"`
	TagID      string        `query:"tag_id" maxLength:"64"`
	From       time.Time     `query:"from"`
	To         time.Time     `query:"to"`
	Lat        optionalFloat `query:"lat" doc:"latitude of the caller's location (-90 to 90), with lng"`
	Lng        optionalFloat `query:"lng" doc:"longitude of the caller's location (-180 to 180), with lat"`
	RadiusKm   optionalFloat `query:"radius_km" doc:"search radius in km with lat/lng: 1 to 100 (default 10). An activity is inside when its distance_km (coarse: 0.5 km steps from a 500 m grid, except for staff and in /me/activities) is at most the radius"`
	Price      string        `query:"price" enum:"free,paid,"`
	MemberOnly string        `query:"member_only" enum:"true,false,"`
	ClubID     string        `query:"club_id" maxLength:"64" doc:"a club's activities; its members (and staff) see its members-only ones too"`
	Status     string        `query:"status" enum:"published,formed,finished,"`
	Sort       string        `query:"sort" maxLength:"20" doc:"start_at (default), hot, distance or recommended"`
	Cursor     string        `query:"cursor" maxLength:"200"`
	Limit      int           `query:"limit" minimum:"1" maximum:"50" default:"20"`
}

// optionalFloat is a number query parameter that may be absent.
type optionalFloat struct {
	Value float64
	Set   bool
}

// Receiver implements huma.ParamWrapper.
func (o *optionalFloat) Receiver() reflect.Value { return reflect.ValueOf(o).Elem().Field(0) }

// Schema documents the parameter as the number it is.
func (optionalFloat) Schema(huma.Registry) *huma.Schema {
	return &huma.Schema{Type: huma.TypeNumber, Format: "double"}
}

// OnParamSet implements huma.ParamReactor.
func (o *optionalFloat) OnParamSet(isSet bool, _ any) { o.Set = isSet }

func (o optionalFloat) ptr() *float64 {
	if !o.Set {
		return nil
	}
	return &o.Value
}

type listOut struct {
	Body struct {
		Items      []ActivityDTO `json:"items"`
		NextCursor *string       `json:"next_cursor"`
	}
}

func (in *listIn) filter() (activities.Filter, error) {
	f := activities.Filter{Query: in.Q, City: in.City, TypeID: in.TypeID, TagID: in.TagID, From: in.From, To: in.To,
		Price: in.Price, ClubID: in.ClubID, Sort: activities.Sort(in.Sort), Limit: in.Limit}
	near, err := activities.NewNear(in.Lat.ptr(), in.Lng.ptr(), in.RadiusKm.ptr())
	if err != nil {
		return f, err
	}
	f.Near = near
	if in.MemberOnly != "" {
		v := in.MemberOnly == "true"
		f.Member = &v
	}
	if in.Status != "" {
		f.Statuses = []activities.Status{activities.Status(in.Status)}
	}
	return f, nil
}

func (h handlers) page(ctx context.Context, in *listIn, mine bool) (*listOut, error) {
	f, err := in.filter()
	if err != nil {
		return nil, err
	}
	list, next, err := h.svc.List(ctx, f, in.Cursor, mine)
	if err != nil {
		return nil, err
	}
	out := &listOut{}
	out.Body.Items = make([]ActivityDTO, len(list))
	for i, it := range list {
		out.Body.Items[i] = toDTO(it.View)
		if it.DistanceKm != nil {
			// Coarse distances are whole steps already.
			d := math.Round(*it.DistanceKm*10) / 10
			out.Body.Items[i].DistanceKm = &d
		}
	}
	if next != "" {
		out.Body.NextCursor = &next
	}
	return out, nil
}

func (h handlers) list(ctx context.Context, in *listIn) (*listOut, error) {
	return h.page(ctx, in, false)
}

func (h handlers) mine(ctx context.Context, in *listIn) (*listOut, error) {
	return h.page(ctx, in, true)
}

type idIn struct {
	ID string `path:"id" maxLength:"64"`
}

type activityOut struct{ Body ActivityDTO }

// show answers with the details view of an activity the caller just changed.
func (h handlers) show(ctx context.Context, a *activities.Activity) (*activityOut, error) {
	v, err := h.svc.Show(ctx, a)
	if err != nil {
		return nil, err
	}
	return &activityOut{Body: toDTO(v)}, nil
}

func (h handlers) get(ctx context.Context, in *idIn) (*activityOut, error) {
	v, err := h.svc.Get(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &activityOut{Body: toDTO(v)}, nil
}

// draftBody is the create/update body; on update every field is optional.
type draftBody struct {
	Title           *string    `json:"title,omitempty" maxLength:"200"`
	TypeID          *string    `json:"type_id,omitempty" maxLength:"64"`
	TagIDs          *[]string  `json:"tag_ids,omitempty" maxItems:"20" doc:"interest tags of the catalog (GET /tags), at most 5, no repeats; an unknown id is activity.unknown_tag"`
	City            *string    `json:"city,omitempty" maxLength:"100"`
	Address         *string    `json:"address,omitempty" maxLength:"500"`
	Lat             *float64   `json:"lat,omitempty" minimum:"-90" maximum:"90"`
	Lng             *float64   `json:"lng,omitempty" minimum:"-180" maximum:"180"`
	StartAt         *time.Time `json:"start_at,omitempty"`
	EndAt           *time.Time `json:"end_at,omitempty"`
	SignupDeadline  *time.Time `json:"signup_deadline,omitempty"`
	MinParticipants *int       `json:"min_participants,omitempty" minimum:"1" maximum:"10000"`
	MaxParticipants *int       `json:"max_participants,omitempty" minimum:"1" maximum:"10000"`
	PriceFen        *int64     `json:"price_fen,omitempty" minimum:"0" maximum:"10000000"`
	MemberOnly      *bool      `json:"member_only,omitempty"`
	Description     *string    `json:"description,omitempty" maxLength:"20000"`
	CoverURL        *string    `json:"cover_url,omitempty" maxLength:"500"`
	ClubID          *string    `json:"club_id,omitempty" maxLength:"64" doc:"the organizing club (its officers and owner; activity.not_club_officer otherwise, activity.unknown_club for no active club); \"\" for none"`
	Visibility      *string    `json:"visibility,omitempty" enum:"public,members" doc:"public (default), or members: a club activity only the club's members see (activity.invalid_visibility without club_id); fixed once anybody signed up"`
}

func (b draftBody) draft() activities.Draft {
	return activities.Draft{Title: b.Title, TypeID: b.TypeID, TagIDs: b.TagIDs, City: b.City, Address: b.Address,
		Lat: b.Lat, Lng: b.Lng, StartAt: b.StartAt, EndAt: b.EndAt, SignupDeadline: b.SignupDeadline,
		MinParticipants: b.MinParticipants, MaxParticipants: b.MaxParticipants, PriceFen: b.PriceFen,
		MemberOnly: b.MemberOnly, Description: b.Description, CoverURL: b.CoverURL, ClubID: b.ClubID,
		Visibility: (*activities.Visibility)(b.Visibility)}
}

type createIn struct {
	Body draftBody
}

func (h handlers) create(ctx context.Context, in *createIn) (*activityOut, error) {
	a, err := h.svc.Create(ctx, in.Body.draft())
	if err != nil {
		return nil, err
	}
	return h.show(ctx, a)
}

type updateIn struct {
	ID   string `path:"id" maxLength:"64"`
	Body draftBody
}

func (h handlers) update(ctx context.Context, in *updateIn) (*activityOut, error) {
	a, err := h.svc.Update(ctx, in.ID, in.Body.draft())
	if err != nil {
		return nil, err
	}
	return h.show(ctx, a)
}

func (h handlers) publish(ctx context.Context, in *idIn) (*activityOut, error) {
	a, err := h.svc.Publish(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return h.show(ctx, a)
}

type cancelIn struct {
	ID   string `path:"id" maxLength:"64"`
	Body *struct {
		Reason string `json:"reason,omitempty" maxLength:"500"`
	} `required:"false"`
}

func (h handlers) cancel(ctx context.Context, in *cancelIn) (*activityOut, error) {
	reason := ""
	if in.Body != nil {
		reason = in.Body.Reason
	}
	a, err := h.svc.Cancel(ctx, in.ID, reason)
	if err != nil {
		return nil, err
	}
	return h.show(ctx, a)
}

type typeIn struct {
	Body struct {
		Name string `json:"name" maxLength:"64"`
		Sort int    `json:"sort,omitempty" minimum:"-100000" maximum:"100000"`
	}
}

type typeOut struct{ Body TypeDTO }

func (h handlers) createType(ctx context.Context, in *typeIn) (*typeOut, error) {
	t, err := h.svc.CreateType(ctx, in.Body.Name, in.Body.Sort)
	if err != nil {
		return nil, err
	}
	return &typeOut{Body: TypeDTO{ID: t.ID, Name: t.Name, Sort: t.Sort}}, nil
}

type typePatchIn struct {
	ID   string `path:"id" maxLength:"64"`
	Body struct {
		Name *string `json:"name,omitempty" maxLength:"64"`
		Sort *int    `json:"sort,omitempty" minimum:"-100000" maximum:"100000"`
	}
}

func (h handlers) updateType(ctx context.Context, in *typePatchIn) (*typeOut, error) {
	t, err := h.svc.UpdateType(ctx, in.ID, in.Body.Name, in.Body.Sort)
	if err != nil {
		return nil, err
	}
	return &typeOut{Body: TypeDTO{ID: t.ID, Name: t.Name, Sort: t.Sort}}, nil
}

func (h handlers) deleteType(ctx context.Context, in *idIn) (*struct{}, error) {
	return nil, h.svc.DeleteType(ctx, in.ID)
}
