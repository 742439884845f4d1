import { Anchor, Text } from '@mantine/core';
import { Link } from 'react-router';
import { PageTitle } from '../components/ui';

export default function NotFound() {
  return (
    <>
      <PageTitle>Page not found</PageTitle>
      <Text>
        This page does not exist.{' '}
        <Anchor component={Link} to="/">
          Go to Now
        </Anchor>
        .
      </Text>
    </>
  );
}
