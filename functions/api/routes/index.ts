import type { Route } from '../router';
import { bookMeeting } from './bookMeeting';
import { cancelMeeting } from './cancelMeeting';
import { getMeeting } from './getMeeting';
import { joinAsset } from './joinAsset';
import { joinLink } from './joinLink';
import { listMeetings } from './listMeetings';
import { rescheduleMeeting } from './rescheduleMeeting';

const MEETING_ID = {
  pattern: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
  message: 'a meeting id (UUID)',
};

/** Every route of the API. infra/constructs/meetingsApi.ts declares the same paths to API Gateway. */
export const ROUTES: readonly Route[] = [
  { path: '/join/{token}', anonymous: true, methods: { GET: joinLink } },
  { path: '/join/assets/{file}', anonymous: true, methods: { GET: joinAsset } },
  { path: '/meetings', methods: { POST: bookMeeting, GET: listMeetings } },
  {
    path: '/meetings/{id}',
    params: { id: MEETING_ID },
    methods: { GET: getMeeting, DELETE: cancelMeeting, PATCH: rescheduleMeeting },
  },
];
