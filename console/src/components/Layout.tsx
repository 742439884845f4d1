import {
  AppShell,
  Badge,
  Burger,
  Button,
  Group,
  Loader,
  NavLink,
  Text,
  Title,
  VisuallyHidden,
} from '@mantine/core';
import { useDisclosure, useMediaQuery } from '@mantine/hooks';
import { useQueryClient } from '@tanstack/react-query';
import { Suspense } from 'react';
import { Link, Navigate, Outlet, useLocation, useNavigate } from 'react-router';
import { api } from '../api/client';
import { can, useMe, type Role } from '../api/session';
import { roleLabel } from '../lib/roles';
import { useLiveInbox } from './live';

interface Item {
  to: string;
  label: string;
  show: (r: Role) => boolean;
}

const NAV: Item[] = [
  { to: '/', label: 'Now', show: () => true },
  { to: '/incidents', label: 'Incidents', show: () => true },
  { to: '/approvals', label: 'Approvals', show: () => true },
  { to: '/customers', label: 'Customers', show: can.support },
  { to: '/number-changes', label: 'Number changes', show: can.support },
  { to: '/campaigns', label: 'Campaigns', show: () => true },
  { to: '/analysis', label: 'Analysis', show: (r) => r !== 'support' || true },
  { to: '/admin', label: 'Admin', show: can.supervise },
];

export function Layout() {
  const me = useMe();
  const [opened, { toggle, close }] = useDisclosure();
  const location = useLocation();
  const navigate = useNavigate();
  const qc = useQueryClient();
  const count = useLiveInbox(!!me.data);
  // below Mantine's `sm` breakpoint the navbar slides off to the left when closed; hiding it as well keeps
  // its edge from showing as a strip at the screen's left and its links out of the keyboard's way
  const phone = useMediaQuery('(max-width: 47.99em)');

  if (me.isPending)
    return (
      <main style={{ padding: 32 }}>
        <Loader aria-label="Loading" />
      </main>
    );
  if (!me.data) return <Navigate to={`/login?next=${encodeURIComponent(location.pathname)}`} replace />;
  const role = me.data.role;

  const signOut = async (everywhere: boolean) => {
    await api.POST('/auth/logout', { body: { everywhere } });
    qc.clear();
    navigate('/login');
  };

  const active = (to: string) => (to === '/' ? location.pathname === '/' : location.pathname.startsWith(to));

  return (
    <AppShell
      header={{ height: 56 }}
      navbar={{ width: 220, breakpoint: 'sm', collapsed: { mobile: !opened } }}
      padding="md"
    >
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label="Menu" />
            <Text fw={700} component={Link} to="/" c="dark" td="none">
              Candor
            </Text>
          </Group>
          <Group gap="xs" wrap="nowrap">
            <Text size="sm" visibleFrom="sm">
              {me.data.user.displayName} ({roleLabel(role)})
            </Text>
            <Button variant="subtle" size="xs" onClick={() => signOut(false)}>
              Sign out
            </Button>
            <Button variant="subtle" size="xs" visibleFrom="sm" onClick={() => signOut(true)}>
              Sign out everywhere
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar
        p="xs"
        aria-label="Main"
        style={phone && !opened ? { visibility: 'hidden' } : undefined}
      >
        {NAV.filter((i) => i.show(role)).map((i) => (
          <NavLink
            key={i.to}
            component={Link}
            to={i.to}
            label={i.label}
            active={active(i.to)}
            onClick={close}
            aria-current={active(i.to) ? 'page' : undefined}
            rightSection={
              i.to === '/approvals' && count ? (
                <Badge color="#a51d1d" size="sm" circle aria-label={`${count} waiting`}>
                  {count}
                </Badge>
              ) : null
            }
          />
        ))}
      </AppShell.Navbar>
      <AppShell.Main>
        <VisuallyHidden>
          <Title order={1}>Candor staff console</Title>
        </VisuallyHidden>
        <Suspense fallback={<Loader aria-label="Loading" />}>
          <Outlet />
        </Suspense>
      </AppShell.Main>
    </AppShell>
  );
}
