-- Video job status is asked of the vendor at most once per VIDEO_POLL_INTERVAL_MS, whatever the
-- clients do and however many app instances serve them (issue 13, item 11). A poll claims the
-- right to call the vendor with a conditional UPDATE of this column; the losers answer the
-- job's last known state.
alter table public.video_jobs add column if not exists last_polled_at timestamptz;
comment on column public.video_jobs.last_polled_at is
  'When an app instance last claimed a vendor status call for this job (null: never polled). Only the gateway writes.';
