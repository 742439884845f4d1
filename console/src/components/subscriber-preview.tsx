import { Paper, SimpleGrid, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { api, ok } from '../api/client';
import { Problem } from './ui';

export interface DraftText {
  body: string;
  bodyCy: string;
  incidentStatus: string;
  nextUpdateBy: string | null;
  correctsId?: string;
}

const LANGUAGE = { en: 'English', cy: 'Welsh' } as const;

/**
 * What subscribers will get for the update being written, English and Welsh side by side: rendered by the
 * server from the real templates (POST /incidents/{id}/subscriber-preview), 400 ms after the author stops typing.
 */
export function SubscriberPreview({ incidentId, draft }: { incidentId: string; draft: DraftText }) {
  const key = JSON.stringify(draft);
  const [debounced, setDebounced] = useState(key);
  useEffect(() => {
    const t = setTimeout(() => setDebounced(key), 400);
    return () => clearTimeout(t);
  }, [key]);
  const d = JSON.parse(debounced) as DraftText;
  const q = useQuery({
    queryKey: ['subscriber-preview', incidentId, debounced],
    enabled: !!d.body.trim(),
    placeholderData: (previous) => previous,
    queryFn: () =>
      ok(
        api.POST('/incidents/{id}/subscriber-preview', {
          params: { path: { id: incidentId } },
          body: {
            body: d.body,
            bodyCy: d.bodyCy || undefined,
            incidentStatus: d.incidentStatus as 'investigating',
            nextUpdateBy: d.nextUpdateBy || undefined,
            correctsId: d.correctsId || undefined,
          },
        }),
      ),
  });
  if (!d.body.trim()) return null;
  return (
    <section aria-label="What subscribers will get">
      <Text size="sm" fw={700} mb={4}>
        What subscribers will get
      </Text>
      <Problem error={q.error} />
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        {(q.data ?? []).map((p) => (
          <Paper
            withBorder
            p="xs"
            key={p.locale}
            lang={p.locale}
            aria-label={`${LANGUAGE[p.locale]} messages`}
          >
            <Text fw={600} size="sm" lang="en">
              Text message ({LANGUAGE[p.locale]})
            </Text>
            <Text size="sm" style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>
              {p.sms.text}
            </Text>
            <Text size="xs" mt={4} lang="en">
              {p.sms.encoding}, {p.sms.characters} characters, {p.sms.segments} segment
              {p.sms.segments === 1 ? '' : 's'}
              {p.sms.encoding === 'UCS-2' ? ' (a special character: 70 characters a segment)' : ''}
            </Text>
            <Text fw={600} size="sm" mt="xs" lang="en">
              Email ({LANGUAGE[p.locale]})
            </Text>
            <Text size="sm">
              <span lang="en">Subject: </span>
              {p.email.subject}
            </Text>
            <Text size="sm" style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }} lineClamp={10}>
              {p.email.text}
            </Text>
            {p.issues.map((i) => (
              <Text size="xs" c="#a51d1d" key={i} lang="en">
                {i}
              </Text>
            ))}
          </Paper>
        ))}
      </SimpleGrid>
    </section>
  );
}
