/** "Days until expiry", published in CloudWatch embedded metric format; the expiry alarm reads it. */
export const METRIC_NAMESPACE = 'MeetingScheduler/Certificate';
export const DAYS_LEFT_METRIC = 'DaysUntilExpiry';
