"""The pages of residents' requests: `report` (a resident reports, follows, sees their own), `public`
(the list and map anyone may read), `staff` (the ward's queue and a request's handling), `photos`
(a photo to the ward's staff and the requester) and `stats` (the public statistics)."""
