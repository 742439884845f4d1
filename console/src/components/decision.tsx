import { Anchor, Button, Card, Group, Stack, Text, Textarea, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { api, ok } from '../api/client';
import { formatUk } from '../lib/time';
import { Problem } from './ui';

/** The server's limit on a comment or reason (SendBackDto / RejectWithReasonDto). */
export const MAX_REASON = 500;

/**
 * "Send back" or "Reject" with the comment it requires: a labelled field whose error is tied to it
 * (aria-describedby, set by Mantine from `error`), submitted with Enter on the button: keyboard only works.
 */
export function ReasonForm({
  verb,
  label,
  what,
  pending,
  error,
  onSubmit,
}: {
  /** The button: "Send back" or "Reject". */
  verb: string;
  /** The field's label, e.g. "Comment for the author". */
  label: string;
  /** What is decided, for the button's accessible name. */
  what: string;
  pending: boolean;
  error: unknown;
  onSubmit: (reason: string) => void;
}) {
  const [reason, setReason] = useState('');
  const [missing, setMissing] = useState(false);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const text = reason.trim();
    setMissing(!text);
    if (text) onSubmit(text);
  };
  return (
    // noValidate: our own message, tied to the field, instead of the browser's bubble
    <form onSubmit={submit} noValidate>
      <Stack gap={4}>
        <Textarea
          label={label}
          description={`Required, up to ${MAX_REASON} characters; the author sees it.`}
          required
          autosize
          minRows={1}
          maxLength={MAX_REASON}
          value={reason}
          onChange={(e) => {
            setReason(e.currentTarget.value);
            if (missing && e.currentTarget.value.trim()) setMissing(false);
          }}
          // the theme's error red is too light on white for WCAG AA; the console's dark red passes
          styles={{ error: { color: '#a51d1d' } }}
          error={
            missing
              ? `Write why before you ${verb.toLowerCase()}: it tells the author what to change.`
              : undefined
          }
        />
        <Group>
          <Button
            type="submit"
            variant="light"
            color="#a51d1d"
            loading={pending}
            aria-label={`${verb}: ${what}`}
          >
            {verb}
          </Button>
        </Group>
        <Problem error={error} />
      </Stack>
    </form>
  );
}

type Returned = Awaited<ReturnType<typeof fetchReturned>>[number];
const fetchReturned = () => ok(api.GET('/approvals/returned'));

/** My work a decider sent back (edit it to resubmit) or rejected, with their comment: on Now and Approvals. */
export function SentBackToMe({ limit }: { limit?: number }) {
  const q = useQuery({ queryKey: ['approvals', 'returned'], queryFn: fetchReturned });
  const items: Returned[] = (q.data ?? []).slice(0, limit);
  return (
    <section aria-labelledby="returned-h">
      <Title order={2} size="h3" id="returned-h" mb="xs">
        Sent back to you
      </Title>
      <Problem error={q.error} />
      {items.length ? (
        <Stack component="ul" gap="xs" p={0} style={{ listStyle: 'none' }}>
          {items.map((r) => (
            <Card withBorder component="li" key={`${r.kind}-${r.id}`} p="sm">
              <Anchor component={Link} to={r.link.replace(/^\/console/, '')}>
                {r.title}
              </Anchor>
              <Text size="sm">
                {r.outcome === 'rejected' ? 'Rejected' : 'Sent back'} {formatUk(r.decidedAt)}:{' '}
                <q>{r.comment}</q>
              </Text>
              {r.outcome === 'sent_back' && <Text size="xs">Edit it to resubmit it for approval.</Text>}
            </Card>
          ))}
        </Stack>
      ) : (
        <Text>Nothing of yours was sent back.</Text>
      )}
    </section>
  );
}
