import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';

/**
 * One server-sent-events stream per tab: the inbox count as it changes, and a "changed" signal that
 * refreshes what is on screen. The browser reconnects by itself if the stream drops.
 */
export function useLiveInbox(enabled: boolean): number | null {
  const qc = useQueryClient();
  const [count, setCount] = useState<number | null>(null);
  useEffect(() => {
    if (!enabled) return;
    const es = new EventSource('/approvals/events');
    es.addEventListener('inbox', (e) => {
      setCount(JSON.parse((e as MessageEvent).data).count);
      void qc.invalidateQueries({ queryKey: ['approvals'] });
    });
    es.addEventListener('changed', () => void qc.invalidateQueries());
    return () => es.close();
  }, [enabled, qc]);
  return count;
}

/** A clock for countdowns, ticking on the client (no request). */
export function useNow(everyMs = 15_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(t);
  }, [everyMs]);
  return now;
}

/**
 * The latest `event` of a server-sent-events stream (a campaign's progress, a run's state), or null until the
 * first arrives. The server checks and pushes; the browser reconnects by itself if the stream drops.
 */
export function useServerEvents<T>(url: string | null, event: string): T | null {
  const [data, setData] = useState<T | null>(null);
  useEffect(() => {
    setData(null);
    if (!url) return;
    const es = new EventSource(url);
    es.addEventListener(event, (e) => setData(JSON.parse((e as MessageEvent).data) as T));
    return () => es.close();
  }, [url, event]);
  return data;
}
