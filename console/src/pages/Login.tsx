import { Button, Center, Paper, PasswordInput, Stack, TextInput, Title } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useNavigate, useSearchParams } from 'react-router';
import { api, ok, type Body } from '../api/client';
import type { ApiError } from '../lib/errors';
import { Problem } from '../components/ui';

export default function Login() {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [totp, setTotp] = useState('');
  const [needsCode, setNeedsCode] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const qc = useQueryClient();

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      // `totp` is sent only once the server has asked for a code (login hardening may require one)
      const body: Body<'LoginDto'> = {
        email: email.trim(),
        password,
        totp: needsCode ? totp.trim() : undefined,
      };
      await ok(api.POST('/auth/session', { body }), {
        email: 'Email',
        password: 'Password',
        totp: 'Code from your authenticator app',
      });
      await qc.invalidateQueries({ queryKey: ['me'] });
      const next = params.get('next');
      navigate(
        next && next.startsWith('/') && !next.startsWith('//') ? next.replace(/^\/console/, '') || '/' : '/',
      );
    } catch (err) {
      const code = (err as ApiError).code;
      if (code === 'totp_required' || code === 'totp_invalid') setNeedsCode(true);
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main>
      <Center mih="100vh" p="md">
        <Paper withBorder p="xl" w={380} maw="100%">
          <form onSubmit={submit}>
            <Stack>
              <Title order={1} size="h2">
                Sign in to Candor
              </Title>
              <TextInput
                label="Email"
                type="email"
                autoComplete="username"
                required
                value={email}
                onChange={(e) => setEmail(e.currentTarget.value)}
              />
              <PasswordInput
                label="Password"
                autoComplete="current-password"
                required
                value={password}
                onChange={(e) => setPassword(e.currentTarget.value)}
              />
              {needsCode && (
                <TextInput
                  label="Code from your authenticator app"
                  inputMode="numeric"
                  autoComplete="one-time-code"
                  required
                  value={totp}
                  onChange={(e) => setTotp(e.currentTarget.value)}
                />
              )}
              <Problem error={error} />
              <Button type="submit" loading={busy}>
                Sign in
              </Button>
            </Stack>
          </form>
        </Paper>
      </Center>
    </main>
  );
}
